import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { SECTIONS_STORAGE_KEY } from '../stores/sections'
import SectionCard from './SectionCard.vue'

function render() {
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(SectionCard, { props: { section: 'orders', title: '订单' }, slots: { default: '<p class="body">orders</p>' }, global: { plugins: [pinia] }, attachTo: document.body })
}

describe('sectionCard', () => {
  beforeEach(() => localStorage.clear())

  it('folds on its title and stays folded on the next start', async () => {
    const w = render()
    expect(w.get('[data-testid="section-body"]').isVisible()).toBe(true)
    await w.get('[data-testid="section-toggle"]').trigger('click')
    expect(w.get('[data-testid="section-body"]').isVisible()).toBe(false)
    expect(w.get('[data-testid="section-toggle"]').attributes('aria-expanded')).toBe('false')
    expect(JSON.parse(localStorage.getItem(SECTIONS_STORAGE_KEY)!)).toEqual(['orders'])

    const again = render()
    expect(again.get('[data-testid="section-body"]').isVisible()).toBe(false)
    await again.get('[data-testid="section-toggle"]').trigger('click')
    expect(again.get('[data-testid="section-body"]').isVisible()).toBe(true)
    expect(JSON.parse(localStorage.getItem(SECTIONS_STORAGE_KEY)!)).toEqual([])
  })
})
