import type { ManagedReply, ManagedReplyList, ReplyGroup, ReplyGroupInput, ReplyImportReport, ReplyInput, ReplyListQuery, ReplyPreview, ReplyPreviewRequest } from '@scrm/shared'
import { isAxiosError } from 'axios'
import { http } from './client'

export async function listManagedReplies(query: ReplyListQuery = {}): Promise<ManagedReplyList> {
  const params = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''))
  return (await http.get<ManagedReplyList>('/api/replies', { params })).data
}

export async function createReply(body: ReplyInput): Promise<ManagedReply> {
  return (await http.post<ManagedReply>('/api/replies', body)).data
}

export async function updateReply(id: number, body: ReplyInput): Promise<ManagedReply> {
  return (await http.put<ManagedReply>(`/api/replies/${id}`, body)).data
}

export async function deleteReply(id: number): Promise<void> {
  await http.delete(`/api/replies/${id}`)
}

export async function previewReply(body: ReplyPreviewRequest): Promise<ReplyPreview> {
  return (await http.post<ReplyPreview>('/api/replies/preview', body)).data
}

export async function listReplyGroups(): Promise<ReplyGroup[]> {
  return (await http.get<ReplyGroup[]>('/api/reply-groups')).data
}

/** The library as the session's store sees it: groups with their replies as templates (the sidebar, once). */
export async function getReplyLibrary(): Promise<ReplyGroup[]> {
  return (await http.get<ReplyGroup[]>('/api/reply-groups', { params: { withReplies: true } })).data
}

export async function createReplyGroup(body: ReplyGroupInput): Promise<ReplyGroup> {
  return (await http.post<ReplyGroup>('/api/reply-groups', body)).data
}

/** The row-by-row report: 200 when applied, 422 (same body) when a row was wrong and nothing was written. */
export async function importReplies(file: File, encoding?: 'utf-8' | 'gbk'): Promise<ReplyImportReport> {
  const form = new FormData()
  form.append('file', file, file.name)
  try {
    return (await http.post<ReplyImportReport>('/api/replies/import', form, { params: encoding ? { encoding } : {} })).data
  }
  catch (err) {
    if (isAxiosError(err) && err.response?.status === 422)
      return err.response.data as ReplyImportReport
    throw err
  }
}

export function replyExportUrl(format: 'xlsx' | 'csv', encoding: 'utf-8' | 'gbk' = 'utf-8'): string {
  return `/api/replies/export?format=${format}&encoding=${encoding}`
}
