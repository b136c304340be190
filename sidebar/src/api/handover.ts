import type { CreateHandoverRequest, HandoverCustomerList, HandoverDetail, HandoverList, HandoverStaffList, UnassignedGuideList } from '@scrm/shared'
import { http } from './client'

export async function getHandoverStaff(): Promise<HandoverStaffList> {
  return (await http.get<HandoverStaffList>('/api/handover/staff')).data
}

export async function getHandoverCustomers(fromUserid: string): Promise<HandoverCustomerList> {
  return (await http.get<HandoverCustomerList>('/api/handover/customers', { params: { fromUserid } })).data
}

export async function getUnassigned(): Promise<UnassignedGuideList> {
  return (await http.get<UnassignedGuideList>('/api/handover/unassigned')).data
}

export async function listHandovers(): Promise<HandoverList> {
  return (await http.get<HandoverList>('/api/handovers')).data
}

export async function getHandover(id: number): Promise<HandoverDetail> {
  return (await http.get<HandoverDetail>(`/api/handovers/${id}`)).data
}

export async function createHandover(body: CreateHandoverRequest): Promise<HandoverDetail> {
  return (await http.post<HandoverDetail>('/api/handovers', body)).data
}
