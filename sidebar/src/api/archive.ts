// The conversation archive's API (server/src/archive/routes.ts), typed by the shared contracts.
import type { AccessLogPage, AccessLogQuery, Alert, AlertList, AlertListQuery, AlertTransition, ArchiveSearchQuery, ArchiveSearchResult, ArchiveStatus, ConversationList, ConversationListQuery, Dashboard, DashboardQuery, Rule, RuleInput, Transcript, TranscriptQuery } from '@scrm/shared'
import { http } from './client'

export async function searchArchive(query: ArchiveSearchQuery): Promise<ArchiveSearchResult> {
  return (await http.get<ArchiveSearchResult>('/api/archive/search', { params: query })).data
}

/** Where the browser downloads a search's CSV (the server logs the export). */
export function searchExportUrl(query: ArchiveSearchQuery): string {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== '').map(([k, v]): [string, string] => [k, String(v)]))
  return `/api/archive/search/export?${params}`
}

export async function listConversations(query: ConversationListQuery): Promise<ConversationList> {
  return (await http.get<ConversationList>('/api/archive/conversations', { params: query })).data
}

export async function getTranscript(id: number, query: TranscriptQuery = {}): Promise<Transcript> {
  return (await http.get<Transcript>(`/api/archive/conversations/${id}`, { params: query })).data
}

export function mediaUrl(messageId: number): string {
  return `/api/archive/messages/${messageId}/media`
}

export async function listAlerts(query: AlertListQuery): Promise<AlertList> {
  return (await http.get<AlertList>('/api/archive/alerts', { params: query })).data
}

export async function transitionAlert(id: number, change: AlertTransition): Promise<Alert> {
  return (await http.post<Alert>(`/api/archive/alerts/${id}/transition`, change)).data
}

export async function listRules(): Promise<Rule[]> {
  return (await http.get<Rule[]>('/api/archive/rules')).data
}

export async function createRule(input: RuleInput): Promise<Rule> {
  return (await http.post<Rule>('/api/archive/rules', input)).data
}

export async function updateRule(id: number, input: RuleInput): Promise<Rule> {
  return (await http.put<Rule>(`/api/archive/rules/${id}`, input)).data
}

export async function readAccessLog(query: AccessLogQuery): Promise<AccessLogPage> {
  return (await http.get<AccessLogPage>('/api/archive/access-log', { params: query })).data
}

export function accessLogExportUrl(query: AccessLogQuery): string {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== '').map(([k, v]): [string, string] => [k, String(v)]))
  return `/api/archive/access-log/export?${params}`
}

export async function getDashboard(query: DashboardQuery = {}): Promise<Dashboard> {
  return (await http.get<Dashboard>('/api/archive/dashboard', { params: query })).data
}

export async function getArchiveStatus(): Promise<ArchiveStatus> {
  return (await http.get<ArchiveStatus>('/api/archive/status')).data
}
