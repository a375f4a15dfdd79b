/**
 * Days as the corp counts them. Every daily figure (adds, scans, joins, reports) is counted
 * by the local day of the API's `TIMEZONE` (Asia/Shanghai unless set), so "today" and "the
 * last 7 days" are computed there too, whatever the browser's own time zone: an operator
 * abroad, or a browser set to UTC, asks for the same days the figures were counted on.
 */

let zone = 'Asia/Shanghai'

/** The corp's time zone, as `/auth/me` says it (kept as it was when none is given). */
export function useCorpTimezone(timezone: string | null | undefined): void {
  if (timezone) zone = timezone
}

export function corpTimezone(): string {
  return zone
}

/** Today's local date in the corp's time zone, as YYYY-MM-DD. */
export function corpToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}

/** A YYYY-MM-DD date `by` days later (earlier when negative), by the calendar alone. */
export function shiftDay(day: string, by: number): string {
  const [year, month, date] = day.split('-').map(Number)
  return new Date(Date.UTC(year, month - 1, date + by)).toISOString().slice(0, 10)
}

/** The last `days` days, today included, oldest first. */
export function recentDays(days: number, now: Date = new Date()): string[] {
  const today = corpToday(now)
  return Array.from({ length: days }, (_, i) => shiftDay(today, i - (days - 1)))
}

/** The first and last of the last `days` days, today included. */
export function lastDays(days: number, now: Date = new Date()): { from: string; to: string } {
  const today = corpToday(now)
  return { from: shiftDay(today, -(days - 1)), to: today }
}

/** An instant (epoch milliseconds) as the corp's local date and time, in `locale`: the
 *  same clock its days are counted by (an entry at 00:30 in Shanghai reads 00:30 on the
 *  day the filters and charts call it, not 16:30 the day before). */
export function corpDateTime(epochMs: number, locale?: string): string {
  return new Date(epochMs).toLocaleString(locale, { timeZone: zone })
}
