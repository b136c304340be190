import type { AccessLogPage, AccessLogQuery, AlertList, AlertStatus, ArchiveSearchQuery, ArchiveSearchResult, ArchiveStatus, ConversationList, ConversationListQuery, Dashboard, Rule, RuleInput, Transcript } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import * as api from '../api/archive'
import { describeError } from '../utils/errors'

/** Messages shown each side of a search hit when it is opened in its conversation. */
const CONTEXT_MESSAGES = 5
/** Alerts per page of the queue (the API's largest page). */
const ALERT_PAGE = 200

/** The archive console's state: search, conversations and transcripts, alerts, rules, access log, dashboard. */
export const useArchiveStore = defineStore('archive', () => {
  const error = shallowRef<AppError | null>(null)
  const search = shallowRef<ArchiveSearchResult | null>(null)
  const lastQuery = shallowRef<ArchiveSearchQuery | null>(null)
  const conversations = shallowRef<ConversationList | null>(null)
  const transcript = shallowRef<Transcript | null>(null)
  /** The message a transcript was opened around (a search hit or an alert). */
  const focusMessageId = ref<number | null>(null)
  const alerts = shallowRef<AlertList | null>(null)
  const alertStatus = ref<AlertStatus | ''>('open')
  /** The rule whose alerts alone the queue shows, or null for every rule. */
  const alertRuleId = ref<number | null>(null)
  /** The guide whose alerts alone the queue shows (picked from one of her alerts), or null for every guide. */
  const alertGuide = shallowRef<{ userid: string, name: string } | null>(null)
  const rules = shallowRef<Rule[]>([])
  const accessLog = shallowRef<AccessLogPage | null>(null)
  const dashboard = shallowRef<Dashboard | null>(null)
  const status = shallowRef<ArchiveStatus | null>(null)

  async function run<T>(work: () => Promise<T>): Promise<T | undefined> {
    error.value = null
    try {
      return await work()
    }
    catch (err) {
      error.value = describeError(err)
      return undefined
    }
  }

  async function loadStatus() {
    await run(async () => {
      status.value = await api.getArchiveStatus()
    })
  }

  async function runSearch(query: ArchiveSearchQuery) {
    lastQuery.value = query
    await run(async () => {
      search.value = await api.searchArchive(query)
    })
  }

  async function moreHits() {
    const last = search.value?.hits.at(-1)
    if (!lastQuery.value || !last)
      return
    await run(async () => {
      const next = await api.searchArchive({ ...lastQuery.value!, before: last.message.id })
      search.value = { ...next, hits: [...search.value!.hits, ...next.hits] }
    })
  }

  async function loadConversations(query: ConversationListQuery) {
    await run(async () => {
      conversations.value = await api.listConversations(query)
    })
  }

  async function openConversation(id: number, around?: number) {
    focusMessageId.value = around ?? null
    await run(async () => {
      transcript.value = await api.getTranscript(id, around ? { around, context: CONTEXT_MESSAGES } : { limit: 200 })
    })
  }

  /** Prepends the page before the oldest message shown. */
  async function olderMessages() {
    const shown = transcript.value
    const oldest = shown?.messages[0]
    if (!shown || !oldest)
      return
    await run(async () => {
      const page = await api.getTranscript(shown.conversation.id, { before: oldest.id, limit: 50 })
      transcript.value = { ...shown, messages: [...page.messages, ...shown.messages], hasOlder: page.hasOlder }
    })
  }

  const alertQuery = (offset: number) => ({
    ...(alertStatus.value ? { status: alertStatus.value } : {}),
    ...(alertRuleId.value !== null ? { ruleId: alertRuleId.value } : {}),
    ...(alertGuide.value ? { guideUserid: alertGuide.value.userid } : {}),
    limit: ALERT_PAGE,
    offset,
  })

  async function loadAlerts() {
    await run(async () => {
      alerts.value = await api.listAlerts(alertQuery(0))
    })
  }

  /** The next page of the queue after the alerts shown (the total says how many there are). */
  async function moreAlerts() {
    const shown = alerts.value
    if (!shown)
      return
    await run(async () => {
      const next = await api.listAlerts(alertQuery(shown.alerts.length))
      alerts.value = { total: next.total, alerts: [...shown.alerts, ...next.alerts] }
    })
  }

  async function handleAlert(id: number, status: 'acknowledged' | 'resolved', note?: string): Promise<boolean> {
    const done = await run(async () => {
      await api.transitionAlert(id, { status, note })
      return true
    })
    if (done)
      await loadAlerts()
    return done === true
  }

  async function loadRules() {
    await run(async () => {
      rules.value = await api.listRules()
    })
  }

  async function saveRule(input: RuleInput, id?: number): Promise<boolean> {
    const saved = await run(async () => (id ? api.updateRule(id, input) : api.createRule(input)))
    if (saved)
      await loadRules()
    return saved !== undefined
  }

  async function loadAccessLog(query: AccessLogQuery) {
    await run(async () => {
      accessLog.value = await api.readAccessLog(query)
    })
  }

  async function loadDashboard(from?: number, to?: number) {
    await run(async () => {
      dashboard.value = await api.getDashboard({ from, to })
    })
  }

  return { error, search, lastQuery, conversations, transcript, focusMessageId, alerts, alertStatus, alertRuleId, alertGuide, rules, accessLog, dashboard, status, loadStatus, runSearch, moreHits, loadConversations, openConversation, olderMessages, loadAlerts, moreAlerts, handleAlert, loadRules, saveRule, loadAccessLog, loadDashboard }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useArchiveStore, import.meta.hot))
