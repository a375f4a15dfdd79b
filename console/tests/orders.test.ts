import { describe, expect, it } from 'vitest'
import { money, prettyBody, statusType, when } from '@/pages/orders/format'

describe('order amounts', () => {
  it('shows minor units as the currency', () => {
    expect(money(12850, 'CNY', 'zh-CN')).toBe('¥128.50')
    expect(money(0, 'USD', 'en')).toBe('$0.00')
  })

  it('shows a dash for an order whose amount is not known yet', () => {
    expect(money(null)).toBe('—')
    expect(money(undefined)).toBe('—')
  })

  it('falls back to yuan for a currency code that is not one', () => {
    expect(money(100, '', 'zh-CN')).toBe('¥1.00')
  })
})

describe('order statuses and deliveries', () => {
  it('colours each status', () => {
    expect(statusType('completed')).toBe('success')
    expect(statusType('refunded')).toBe('warning')
    expect(statusType('paid')).toBe('primary')
    expect(statusType('something new')).toBe('info')
  })

  it('pretty-prints a JSON body and leaves other text as it came', () => {
    expect(prettyBody('{"a":1}')).toBe('{\n  "a": 1\n}')
    expect(prettyBody('a=1&b=2')).toBe('a=1&b=2')
  })

  it('shows a dash for no time', () => {
    expect(when(0, 'en')).toBe('—')
    expect(when(1795140000, 'en')).toContain('2026')
  })
})
