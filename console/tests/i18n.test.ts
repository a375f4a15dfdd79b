import { describe, expect, it } from 'vitest'
import { areaOf, mergeMessages } from '@/i18n'

describe('page messages', () => {
  it('are merged under their area, next to the shared ones, in both languages', () => {
    const merged = mergeMessages(
      { 'zh-CN': { app: { name: '运营台' } }, en: { app: { name: 'Console' } } },
      {
        './pages/live-codes/i18n.ts': { default: { 'zh-CN': { title: '活码' }, en: { title: 'Live codes' } } },
        './pages/sop/i18n.ts': { default: { 'zh-CN': { title: 'SOP' } } as never },
      },
    )
    expect(merged['zh-CN']).toEqual({ app: { name: '运营台' }, 'live-codes': { title: '活码' }, sop: { title: 'SOP' } })
    expect(merged.en['live-codes']).toEqual({ title: 'Live codes' })
    expect(merged.en.sop).toEqual({ title: 'SOP' }) // an untranslated page falls back to Chinese
  })

  it('name the area after the folder', () => {
    expect(areaOf('./pages/dashboard/i18n.ts')).toBe('dashboard')
  })

  it('every page area has both languages with the same keys', async () => {
    const pages = import.meta.glob<{ default: Record<string, unknown> }>('../src/pages/*/i18n.ts', { eager: true })
    const keys = (value: unknown, prefix = ''): string[] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => keys(v, `${prefix}${k}.`))
        : [prefix]
    for (const [path, module] of Object.entries(pages)) {
      expect(keys(module.default.en).sort(), path).toEqual(keys(module.default['zh-CN']).sort())
    }
    expect(Object.keys(pages).length).toBeGreaterThan(0)
  })
})
