import { corpDateTime } from '@/components/days'

/** Amounts are integers in the currency's minor unit (分): `12850, 'CNY'` → `¥128.50`. */
export function money(cents: number | null | undefined, currency = 'CNY', locale = 'zh-CN'): string {
  if (cents == null) return '—'
  const code = /^[A-Z]{3}$/.test(currency) ? currency : 'CNY'
  return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(cents / 100)
}

export type TagType = 'success' | 'warning' | 'info' | 'danger' | 'primary'

/** The colour of an order status's tag. */
export function statusType(status: string): TagType {
  switch (status) {
    case 'paid':
      return 'primary'
    case 'completed':
      return 'success'
    case 'refunded':
      return 'warning'
    case 'cancelled':
      return 'info'
    default:
      return 'info'
  }
}

/** A delivery's stored body, pretty-printed when it is JSON (shops may send text). */
export function prettyBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2)
  } catch {
    return body
  }
}

/** Epoch seconds as a local date and time. */
export function when(epoch: number | null | undefined, locale: string): string {
  if (!epoch) return '—'
  return corpDateTime(epoch * 1000, locale)
}
