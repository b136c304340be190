import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, ref } from 'vue'
import ConfirmButton from './ConfirmButton.vue'

const render = () => mount(ConfirmButton, { props: { label: '删除', confirmLabel: '确认删除' }, attrs: { 'class': 'btn', 'data-testid': 'delete', 'title': '删除「A」' } })

describe('confirmButton', () => {
  afterEach(() => vi.useRealTimers())

  it('emits confirm only on the second press, then starts over; the caller\'s attributes are the button\'s', async () => {
    const w = render()
    const button = w.get('button')
    expect(button.attributes()).toMatchObject({ 'data-testid': 'delete', 'title': '删除「A」', 'class': 'btn' })
    await button.trigger('click')
    expect(w.emitted('confirm')).toBeUndefined()
    expect(button.text()).toBe('确认删除')
    expect(button.classes()).toContain('armed')
    await button.trigger('click')
    expect(w.emitted('confirm')).toHaveLength(1)
    expect(button.text()).toBe('删除')
    await button.trigger('click')
    expect(w.emitted('confirm')).toHaveLength(1)
  })

  it('disarms by itself after a while, and by Escape', async () => {
    vi.useFakeTimers()
    const w = render()
    const button = w.get('button')
    await button.trigger('click')
    await vi.advanceTimersByTimeAsync(4_999)
    expect(button.text()).toBe('确认删除')
    await vi.advanceTimersByTimeAsync(1)
    expect(button.text()).toBe('删除')
    await button.trigger('click')
    await button.trigger('keydown', { key: 'Escape' })
    expect(button.text()).toBe('删除')
    await button.trigger('click')
    expect(w.emitted('confirm')).toBeUndefined()
  })

  it('v-model:armed: the caller sees the arming and can disarm it (a cancel link)', async () => {
    const armed = ref(false)
    const Host = defineComponent({
      components: { ConfirmButton },
      setup: () => ({ armed }),
      template: `<ConfirmButton v-model:armed="armed" label="删除" confirm-label="确认删除" />`,
    })
    const w = mount(Host)
    await w.get('button').trigger('click')
    expect(armed.value).toBe(true)
    armed.value = false
    await w.vm.$nextTick()
    expect(w.get('button').text()).toBe('删除')
    await w.get('button').trigger('click')
    expect(w.getComponent(ConfirmButton).emitted('confirm')).toBeUndefined()
  })
})
