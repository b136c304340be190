import type { CorpTagTree, MemberTagEdit, MemberTagList } from '@scrm/shared'
import { http } from './client'

export async function getCorpTags(): Promise<CorpTagTree> {
  return (await http.get<CorpTagTree>('/api/tags/corp')).data
}

/** Adds/removes corp tags on the caller's relation; answers the member's tags after the edit. */
export async function editMemberTags(memberId: number, edit: MemberTagEdit): Promise<MemberTagList> {
  return (await http.post<MemberTagList>(`/api/members/${memberId}/tags`, edit)).data
}
