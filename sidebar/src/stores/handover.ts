import type { CreateHandoverRequest, HandoverCustomer, HandoverDetail, HandoverStaff, HandoverSummary, UnassignedGuideList } from '@scrm/shared'
import type { AppError } from '../utils/errors'
import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { createHandover, getHandover, getHandoverCustomers, getHandoverStaff, getUnassigned, listHandovers } from '../api/handover'
import { describeError } from '../utils/errors'

/** The admin's handover page: who can give and take customers, the requests made, and one request's customers. */
export const useHandoverStore = defineStore('handover', () => {
  const staff = shallowRef<HandoverStaff[]>([])
  const customers = shallowRef<HandoverCustomer[]>([])
  const unassigned = shallowRef<UnassignedGuideList['items']>([])
  const handovers = shallowRef<HandoverSummary[]>([])
  const detail = shallowRef<HandoverDetail | null>(null)
  const loading = ref(false)
  const submitting = ref(false)
  const error = shallowRef<AppError | null>(null)
  /** WeCom's list of 离职 customers is optional for the page: its failure is shown apart. */
  const unassignedError = shallowRef<AppError | null>(null)
  /**
   * Who has left the company: so recorded here, or listed by WeCom with unassigned customers (the server records
   * it when their handover is created). Their handover is a 离职继承.
   */
  const leftCompany = computed(() => new Set([...staff.value.filter(s => s.resigned).map(s => s.userid), ...unassigned.value.map(u => u.handoverUserid)]))

  async function guarded(work: () => Promise<void>): Promise<boolean> {
    error.value = null
    try {
      await work()
      return true
    }
    catch (err) {
      error.value = describeError(err)
      return false
    }
  }

  async function loadAll(): Promise<void> {
    loading.value = true
    await guarded(async () => {
      const [s, h] = await Promise.all([getHandoverStaff(), listHandovers()])
      staff.value = s.items
      handovers.value = h.items
    })
    loading.value = false
    try {
      unassignedError.value = null
      unassigned.value = (await getUnassigned()).items
    }
    catch (err) {
      unassignedError.value = describeError(err)
    }
  }

  /** The old guide whose customers are listed, re-read on refresh. */
  const customersOf = ref<string | null>(null)

  async function loadCustomers(fromUserid: string): Promise<void> {
    customersOf.value = fromUserid
    customers.value = []
    await guarded(async () => {
      customers.value = (await getHandoverCustomers(fromUserid)).items
    })
  }

  async function open(id: number): Promise<void> {
    await guarded(async () => {
      detail.value = await getHandover(id)
    })
  }

  /** Re-reads the requests and the open one: what the status shows as WeCom answers (the page polls this). */
  async function refreshStatus(): Promise<void> {
    await guarded(async () => {
      const [h, d] = await Promise.all([listHandovers(), detail.value ? getHandover(detail.value.id) : Promise.resolve(null)])
      handovers.value = h.items
      if (d)
        detail.value = d
    })
  }

  /** Re-reads everything that changes as WeCom answers: the status, who serves how many, the listed customers. */
  async function refresh(): Promise<void> {
    const from = customersOf.value
    await Promise.all([
      refreshStatus(),
      guarded(async () => {
        const [s, c] = await Promise.all([getHandoverStaff(), from ? getHandoverCustomers(from) : Promise.resolve(null)])
        staff.value = s.items
        if (c && customersOf.value === from)
          customers.value = c.items
      }),
    ])
  }

  async function submit(body: CreateHandoverRequest): Promise<boolean> {
    submitting.value = true
    const done = await guarded(async () => {
      detail.value = await createHandover(body)
    })
    // A refusal rests on data newer than the page (another admin's handover, customers who moved meanwhile):
    // the page is re-read either way, and goes on saying why the request was refused.
    const refusal = error.value
    await refresh()
    error.value ??= refusal
    submitting.value = false
    return done
  }

  return { staff, customers, customersOf, unassigned, leftCompany, handovers, detail, loading, submitting, error, unassignedError, loadAll, loadCustomers, open, refresh, refreshStatus, submit }
})

if (import.meta.hot)
  import.meta.hot.accept(acceptHMRUpdate(useHandoverStore, import.meta.hot))
