import { createI18n } from 'vue-i18n'
import zhCN from '@/locales/zh-CN'
import en from '@/locales/en'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
export const LOCALE_KEY = 'scrm_locale'

type Messages = Record<string, unknown>
type PageMessages = Record<Locale, Messages>

/** Each page area's `pages/<area>/i18n.ts` (default export `{ 'zh-CN': {...}, en: {...} }`)
 * is merged under its area's name: `pages/dashboard/i18n.ts` → `dashboard.*`. */
const modules = import.meta.glob<{ default: PageMessages }>('./pages/*/i18n.ts', { eager: true })

export function areaOf(key: string): string {
  return key.split('/')[2]
}

export function mergeMessages(
  base: PageMessages,
  pages: Record<string, { default: PageMessages }>,
): PageMessages {
  const merged: PageMessages = { 'zh-CN': { ...base['zh-CN'] }, en: { ...base.en } }
  for (const [key, module] of Object.entries(pages)) {
    const area = areaOf(key)
    for (const locale of LOCALES) {
      merged[locale][area] = module.default[locale] ?? module.default['zh-CN']
    }
  }
  return merged
}

export function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(LOCALE_KEY)
  return (LOCALES as readonly string[]).includes(saved ?? '') ? (saved as Locale) : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: mergeMessages({ 'zh-CN': zhCN, en }, modules) as never,
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem(LOCALE_KEY, locale)
  document.documentElement.lang = locale
}

/** `t` outside components (message boxes, toasts). */
export function translate(key: string, values: Record<string, unknown> = {}): string {
  const global = i18n.global as unknown as { t: (key: string, values: Record<string, unknown>) => string }
  return global.t(key, values)
}
