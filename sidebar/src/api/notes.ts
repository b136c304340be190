import type { CreateNoteRequest, Note, NoteFeed, NoteFeedQuery, NoteList, UpdateNoteRequest } from '@scrm/shared'
import { http } from './client'

export async function listNotes(memberId: number): Promise<NoteList> {
  return (await http.get<NoteList>('/api/notes', { params: { memberId } })).data
}

export async function createNote(body: CreateNoteRequest): Promise<Note> {
  return (await http.post<Note>('/api/notes', body)).data
}

export async function updateNote(id: number, body: UpdateNoteRequest): Promise<Note> {
  return (await http.patch<Note>(`/api/notes/${id}`, body)).data
}

export async function deleteNote(id: number): Promise<void> {
  await http.delete(`/api/notes/${id}`)
}

export async function getNoteFeed(query: NoteFeedQuery): Promise<NoteFeed> {
  return (await http.get<NoteFeed>('/api/notes/feed', { params: query })).data
}
