import type { CreateRedPacketRequest, MemberRedPackets, RedPacketRecord, RedPacketSettings, RedPacketSettingsPage, RedPacketSpend, UpdateStoreBudgetsRequest } from '@scrm/shared'
import { http } from './client'

export async function getMemberRedPackets(memberId: number): Promise<MemberRedPackets> {
  return (await http.get<MemberRedPackets>('/api/red-packets', { params: { memberId } })).data
}

export async function createRedPacket(body: CreateRedPacketRequest): Promise<RedPacketRecord> {
  return (await http.post<RedPacketRecord>('/api/red-packets', body)).data
}

export async function getRedPacket(id: number): Promise<RedPacketRecord> {
  return (await http.get<RedPacketRecord>(`/api/red-packets/${id}`)).data
}

export async function getRedPacketSettings(): Promise<RedPacketSettingsPage> {
  return (await http.get<RedPacketSettingsPage>('/api/red-packets/settings')).data
}

export async function saveRedPacketSettings(settings: RedPacketSettings): Promise<RedPacketSettingsPage> {
  return (await http.put<RedPacketSettingsPage>('/api/red-packets/settings', settings)).data
}

export async function saveStoreBudgets(body: UpdateStoreBudgetsRequest): Promise<RedPacketSettingsPage> {
  return (await http.put<RedPacketSettingsPage>('/api/red-packets/store-budgets', body)).data
}

export async function getRedPacketSpend(month: string, storeId?: string): Promise<RedPacketSpend> {
  return (await http.get<RedPacketSpend>('/api/red-packets/spend', { params: { month, storeId } })).data
}

/** A same-origin download link (the session cookie goes with it). */
export function redPacketExportUrl(storeId: string, month: string, format: 'xlsx' | 'csv'): string {
  return `/api/red-packets/export?${new URLSearchParams({ storeId, month, format })}`
}
