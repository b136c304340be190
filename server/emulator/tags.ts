// Tag behaviour of the emulator beyond the corp-tag APIs in state.ts: a guide's personal tags (个人标签).
// WeCom reports them in externalcontact/get follow_user.tags as type 2 with group_name and tag_name and no
// tag_id; no API creates or sets them (the guide does, in the WeCom client), and batch/get_by_user's
// follow_info.tag_id lists corp tags only.
import type { EmulatorFollow } from './fixtures.ts'

export interface EmulatorPersonalTag {
  groupName: string
  tagName: string
}

/** The follow's personal tags in externalcontact/get's shape. */
export function personalTagShapes(follow: EmulatorFollow): { group_name: string, tag_name: string, type: 2 }[] {
  return (follow.personalTags ?? []).map(t => ({ group_name: t.groupName, tag_name: t.tagName, type: 2 }))
}
