import type { CorpTagMove, CorpTagTree, CreateCorpTagGroup, ManagedCorpTagTree, MemberTagEdit, MemberTagList } from '@scrm/shared'
import { http } from './client'

export async function getCorpTags(): Promise<CorpTagTree> {
  return (await http.get<CorpTagTree>('/api/tags/corp')).data
}

/** Adds/removes corp tags on the caller's relation; answers the member's tags after the edit. */
export async function editMemberTags(memberId: number, edit: MemberTagEdit): Promise<MemberTagList> {
  return (await http.post<MemberTagList>(`/api/members/${memberId}/tags`, edit)).data
}

// The corp tag library (admins). Every change is made in WeCom first; each answers the whole library.

export async function getManagedCorpTags(): Promise<ManagedCorpTagTree> {
  return (await http.get<ManagedCorpTagTree>('/api/corp-tags')).data
}

export async function createCorpTagGroup(body: CreateCorpTagGroup): Promise<ManagedCorpTagTree> {
  return (await http.post<ManagedCorpTagTree>('/api/corp-tags/groups', body)).data
}

export async function addCorpTag(groupId: string, name: string): Promise<ManagedCorpTagTree> {
  return (await http.post<ManagedCorpTagTree>(`/api/corp-tags/groups/${encodeURIComponent(groupId)}/tags`, { name })).data
}

/** What a library item is: a group or one of its tags (their routes differ). */
export type CorpTagItemKind = 'group' | 'tag'

const itemPath = (kind: CorpTagItemKind, id: string) => `/api/corp-tags/${kind === 'group' ? 'groups' : 'tags'}/${encodeURIComponent(id)}`

export async function renameCorpTagItem(kind: CorpTagItemKind, id: string, name: string): Promise<ManagedCorpTagTree> {
  return (await http.patch<ManagedCorpTagTree>(itemPath(kind, id), { name })).data
}

export async function moveCorpTagItem(kind: CorpTagItemKind, id: string, direction: CorpTagMove['direction']): Promise<ManagedCorpTagTree> {
  return (await http.post<ManagedCorpTagTree>(`${itemPath(kind, id)}/move`, { direction })).data
}

export async function deleteCorpTagItem(kind: CorpTagItemKind, id: string): Promise<ManagedCorpTagTree> {
  return (await http.delete<ManagedCorpTagTree>(itemPath(kind, id))).data
}
