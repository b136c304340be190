import type { ChatMessage, CreateCardMaterial, Material, MaterialGroup, MaterialGroupInput, MaterialList, MaterialListQuery, MaterialSend, MaterialSettings, MemberMaterialSends, SendMaterialRequest, UpdateMaterial } from '@scrm/shared'
import { http } from './client'

export async function listMaterials(query: MaterialListQuery = {}): Promise<MaterialList> {
  const params = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''))
  return (await http.get<MaterialList>('/api/materials', { params })).data
}

export async function getMaterialSettings(): Promise<MaterialSettings> {
  return (await http.get<MaterialSettings>('/api/materials/settings')).data
}

/** Logs the send (pending) and returns the message for ww.sendChatMessage. */
export async function sendMaterial(materialId: number, body: SendMaterialRequest): Promise<MaterialSend> {
  return (await http.post<MaterialSend>(`/api/materials/${materialId}/send`, body)).data
}

export async function getMemberMaterialSends(memberId: number): Promise<MemberMaterialSends> {
  return (await http.get<MemberMaterialSends>('/api/materials/sends', { params: { memberId } })).data
}

/** The card for a product: a mini-program card to the brand's shop page when configured, else a link card. */
export async function getProductCard(skuId: string): Promise<ChatMessage> {
  return (await http.get<ChatMessage>('/api/materials/product-card', { params: { skuId } })).data
}

export async function uploadMaterial(fields: { kind: 'image' | 'video' | 'file', title: string, description?: string, groupId?: number | null, storeIds?: string[] }, file: File): Promise<Material> {
  const form = new FormData()
  form.append('kind', fields.kind)
  form.append('title', fields.title)
  if (fields.description)
    form.append('description', fields.description)
  if (fields.groupId)
    form.append('groupId', String(fields.groupId))
  if (fields.storeIds?.length)
    form.append('storeIds', fields.storeIds.join(','))
  form.append('file', file, file.name)
  return (await http.post<Material>('/api/materials/upload', form)).data
}

export async function createCardMaterial(body: CreateCardMaterial): Promise<Material> {
  return (await http.post<Material>('/api/materials', body)).data
}

export async function updateMaterial(id: number, body: UpdateMaterial): Promise<Material> {
  return (await http.patch<Material>(`/api/materials/${id}`, body)).data
}

export async function archiveMaterial(id: number): Promise<void> {
  await http.delete(`/api/materials/${id}`)
}

export async function listMaterialGroups(): Promise<MaterialGroup[]> {
  return (await http.get<MaterialGroup[]>('/api/material-groups')).data
}

export async function createMaterialGroup(body: MaterialGroupInput): Promise<MaterialGroup> {
  return (await http.post<MaterialGroup>('/api/material-groups', body)).data
}

export async function listStores(): Promise<{ id: string, name: string }[]> {
  return (await http.get<{ id: string, name: string }[]>('/api/materials/stores')).data
}
