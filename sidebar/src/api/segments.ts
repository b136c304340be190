import type { SavedSegment, SaveSegmentRequest, SegmentDefinition, SegmentList, SegmentOptions, SegmentPreview } from '@scrm/shared'
import { http } from './client'

export async function getSegmentOptions(): Promise<SegmentOptions> {
  return (await http.get<SegmentOptions>('/api/segments/options')).data
}

export async function previewSegment(definition: SegmentDefinition): Promise<SegmentPreview> {
  return (await http.post<SegmentPreview>('/api/segments/preview', definition)).data
}

export async function listSegments(): Promise<SegmentList> {
  return (await http.get<SegmentList>('/api/segments')).data
}

export async function saveSegment(request: SaveSegmentRequest): Promise<SavedSegment> {
  return (await http.post<SavedSegment>('/api/segments', request)).data
}

export async function deleteSegment(id: number): Promise<void> {
  await http.delete(`/api/segments/${id}`)
}
