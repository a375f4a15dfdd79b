import { corpTimezone } from '@/components/days'

/** Epoch seconds as the corp's local date and time (`2026-12-01 09:30`), '' for 0 or nothing. */
export function formatEpoch(seconds: number | null | undefined): string {
  if (!seconds) return ''
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: corpTimezone(),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(seconds * 1000))
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`
}

/** Cents as yuan with two decimals: 12345 → `¥123.45`. */
export function formatCents(cents: number | null | undefined): string {
  return `¥${((cents ?? 0) / 100).toFixed(2)}`
}

/** 0.1234 → `12.3%`. */
export function formatRate(rate: number | null | undefined): string {
  return `${((rate ?? 0) * 100).toFixed(1)}%`
}

/** Rows of a list the API answers whole, as one page of a PagedTable (no further page). */
export function onePage<R>(items: R[]): { items: R[]; next_cursor: null } {
  return { items, next_cursor: null }
}
