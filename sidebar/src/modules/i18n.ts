import type { UserModule } from '../types'
import { createI18n } from 'vue-i18n'
import { en, zhCN } from '../locales'

export type MessageSchema = typeof zhCN
export const availableLocales = ['zh-CN', 'en'] as const
export type AppLocale = typeof availableLocales[number]

const STORAGE_KEY = 'scrm.locale'

function initialLocale(): AppLocale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved === 'en' || saved === 'zh-CN')
      return saved
  }
  catch {}
  return 'zh-CN'
}

export function createAppI18n(locale: AppLocale = initialLocale()) {
  return createI18n<[MessageSchema], AppLocale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: { 'zh-CN': zhCN, 'en': en },
  })
}

export const i18n = createAppI18n()

export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  }
  catch {}
}

export const install: UserModule = ({ app }) => {
  app.use(i18n)
  document.documentElement.lang = i18n.global.locale.value
}
