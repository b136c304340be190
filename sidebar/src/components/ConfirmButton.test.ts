import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import ConfirmButton from './ConfirmButton.vue'

const render = (props: Record<string, unknown> = {}) => mount(ConfirmButton, { props: { label: '删除', confirmLabel: '确认删除', ...props }, attrs: { 'data-testid': 'delete', 'title': '删除「A」' } })

describe('confirmButton', () => {
  afterEach(() => vi.useRealTimers())

  it('emits confirm only on the second press, then starts over', async () => {
    const w = render()
    const button = w.get('[data-testid="delete"]')
    expect(button.attributes('title')).toBe('删除「A」')
    await button.trigger('click')
    expect(w.emitted('confirm')).toBeUndefined()
    expect(button.text()).toBe('确认删除')
    expect(button.attributes('data-armed')).toBe('true')
    await button.trigger('click')
    expect(w.emitted('confirm')).toHaveLength(1)
    expect(button.text()).toBe('删除')
    await button.trigger('click')
    expect(w.emitted('confirm')).toHaveLength(1)
  })

  it('disarms by itself after a while, by Escape, or by its cancel link', async () => {
    vi.useFakeTimers()
    const w = render({ cancelLabel: '取消', look: 'link' })
    const button = w.get('[data-testid="delete"]')
    expect(w.find('[data-testid="confirm-cancel"]').exists()).toBe(false)
    await button.trigger('click')
    await vi.advanceTimersByTimeAsync(5_000)
    expect(button.text()).toBe('删除')
    await button.trigger('click')
    await button.trigger('keydown', { key: 'Escape' })
    expect(button.text()).toBe('删除')
    await button.trigger('click')
    await w.get('[data-testid="confirm-cancel"]').trigger('click')
    expect(button.text()).toBe('删除')
    await button.trigger('click')
    expect(w.emitted('confirm')).toBeUndefined()
  })
})
