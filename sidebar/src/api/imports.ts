import type { IdentityResolution, IdentityResolutionList, ImportList, ImportStarted, ImportSummary, MemberSearchResult, MergePreview, Platform, UnmatchedList, UploadedFile } from '@scrm/shared'
import { http } from './client'

/** Uploads the file's bytes as they are (CSV or XLSX); large exports are streamed to disk by the server. */
export async function uploadImportFile(file: File, onProgress?: (fraction: number) => void): Promise<UploadedFile> {
  return (await http.post<UploadedFile>('/api/admin/import-files', file, {
    params: { name: file.name },
    headers: { 'Content-Type': 'application/octet-stream' },
    // A 200 MB upload takes longer than the API's default timeout.
    timeout: 30 * 60_000,
    onUploadProgress: event => onProgress?.(event.total ? event.loaded / event.total : 0),
  })).data
}

export async function startImport(input: { fileId: string, itemsFileId?: string, platform?: Platform }): Promise<ImportStarted> {
  return (await http.post<ImportStarted>('/api/admin/imports', input)).data
}

export async function getImport(id: number): Promise<ImportSummary> {
  return (await http.get<ImportSummary>(`/api/admin/imports/${id}`)).data
}

export async function listImports(): Promise<ImportList> {
  return (await http.get<ImportList>('/api/admin/imports')).data
}

export async function listUnmatched(cursor?: string): Promise<UnmatchedList> {
  return (await http.get<UnmatchedList>('/api/admin/unmatched-orders', { params: { cursor } })).data
}

export async function assignUnmatched(orderId: number, memberId: number): Promise<IdentityResolution> {
  return (await http.post<IdentityResolution>('/api/admin/unmatched-orders/assign', { orderId, memberId })).data
}

export async function undoResolution(id: number): Promise<IdentityResolution> {
  return (await http.post<IdentityResolution>(`/api/admin/identity-resolutions/${id}/undo`)).data
}

export async function listResolutions(): Promise<IdentityResolutionList> {
  return (await http.get<IdentityResolutionList>('/api/admin/identity-resolutions')).data
}

export async function searchMembers(q: string): Promise<MemberSearchResult> {
  return (await http.get<MemberSearchResult>('/api/admin/member-search', { params: { q } })).data
}

export async function previewMerge(intoMemberId: number, fromMemberId: number): Promise<MergePreview> {
  return (await http.get<MergePreview>('/api/admin/member-merges/preview', { params: { intoMemberId, fromMemberId } })).data
}

export async function mergeMembers(intoMemberId: number, fromMemberId: number): Promise<IdentityResolution> {
  return (await http.post<IdentityResolution>('/api/admin/member-merges', { intoMemberId, fromMemberId })).data
}
