import { mount } from '@vue/test-utils'
import { AxiosError, AxiosHeaders } from 'axios'
import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../modules/i18n'
import { describeError } from '../utils/errors'
import ErrorNotice from './ErrorNotice.vue'

/** A refusal as the server sends it: the Chinese message for API callers, and maybe a reason the sidebar words. */
function refusal(status: number, body: Record<string, unknown>): AxiosError {
  const config = { url: '/api/sends', method: 'post', headers: new AxiosHeaders() }
  return new AxiosError(`Request failed with status code ${status}`, 'ERR_BAD_REQUEST', config, undefined, { status, statusText: '', headers: {}, config, data: { statusCode: status, error: 'Not Found', ...body } })
}

function render(err: unknown, locale: 'en' | 'zh-CN') {
  return mount(ErrorNotice, { props: { error: describeError(err) }, global: { plugins: [createAppI18n(locale)] } })
}

describe('errorNotice', () => {
  it('words a refusal with a reason in the guide\'s language, not the server\'s Chinese message', () => {
    const notYours = refusal(404, { message: '素材 12 不存在', reason: 'material_not_found' })
    expect(render(notYours, 'en').get('[data-testid="error-message"]').text()).toBe('This material was deleted or is no longer shared with you. Refresh the library.')
    expect(render(notYours, 'zh-CN').get('[data-testid="error-message"]').text()).toBe('这条素材已被删除或不再对您可见，请刷新素材库')
  })

  it('puts the refusal\'s numbers in its words', () => {
    const tooLong = refusal(400, { message: 'body/body must NOT have more than 1000 characters', reason: 'text_too_long', params: { max: 1000 } })
    expect(render(tooLong, 'en').get('[data-testid="error-message"]').text()).toBe('The text is too long: at most 1000 characters.')
    expect(render(tooLong, 'zh-CN').get('[data-testid="error-message"]').text()).toBe('文字太长：最多 1000 个字')
  })

  it('falls back to the kind of error for a refusal without a reason, or with one it does not know', async () => {
    for (const body of [{ message: 'send 3 not found' }, { message: 'x', reason: 'something_new' }]) {
      const w = render(refusal(404, body), 'en')
      expect(w.get('[data-testid="error-message"]').text()).toBe('Not found. It may have been deleted or is not one of your customers.')
      await w.get('[data-testid="error-details-toggle"]').trigger('click')
      expect(w.get('[data-testid="error-detail"]').text()).toContain(body.message)
    }
  })
})
