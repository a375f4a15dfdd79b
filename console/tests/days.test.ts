import { afterEach, describe, expect, it } from 'vitest'
import { corpToday, lastDays, recentDays, shiftDay, useCorpTimezone } from '@/components/days'

describe('days as the corp counts them', () => {
  afterEach(() => useCorpTimezone('Asia/Shanghai'))

  it('count in Shanghai by default: 17:00 UTC is already the next day there', () => {
    expect(corpToday(new Date('2026-11-30T17:00:00Z'))).toBe('2026-12-01')
    expect(corpToday(new Date('2026-11-30T15:59:00Z'))).toBe('2026-11-30')
  })

  it('ask for the last N days of the corp, whatever the browser’s own time zone', () => {
    // 00:30 in Shanghai on 1 December is still 30 November in UTC (a browser set to UTC)
    const now = new Date('2026-11-30T16:30:00Z')
    expect(lastDays(7, now)).toEqual({ from: '2026-11-25', to: '2026-12-01' })
    expect(lastDays(1, now)).toEqual({ from: '2026-12-01', to: '2026-12-01' })
    expect(recentDays(3, new Date('2026-03-01T01:00:00Z'))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01'])
  })

  it('follow the time zone the API names', () => {
    useCorpTimezone('America/New_York')
    expect(corpToday(new Date('2026-12-01T03:00:00Z'))).toBe('2026-11-30')
    useCorpTimezone(undefined) // nothing said: the last one stays
    expect(corpToday(new Date('2026-12-01T03:00:00Z'))).toBe('2026-11-30')
  })

  it('move by calendar days across months and years', () => {
    expect(shiftDay('2026-01-01', -1)).toBe('2025-12-31')
    expect(shiftDay('2024-02-28', 1)).toBe('2024-02-29')
  })
})

describe('instants on the corp clock', () => {
  afterEach(() => useCorpTimezone('Asia/Shanghai'))

  it('read on the day the filters call it, whatever the browser’s zone', async () => {
    const { formatEpoch } = await import('@/components/format')
    const { corpDateTime } = await import('@/components/days')
    const at = Date.parse('2026-11-30T16:30:00Z') // 00:30 on 1 December in Shanghai
    expect(formatEpoch(at / 1000)).toBe('2026-12-01 00:30')
    expect(corpDateTime(at, 'en-GB')).toBe('01/12/2026, 00:30:00')
    useCorpTimezone('UTC')
    expect(formatEpoch(at / 1000)).toBe('2026-11-30 16:30')
  })
})
