import type { ReplyTemplates } from '@scrm/shared'
import { http } from './client'

/** Every quick reply as a template (the same for every member; filled per chat in the sidebar). */
export async function getReplyTemplates(): Promise<ReplyTemplates> {
  return (await http.get<ReplyTemplates>('/api/replies')).data
}
