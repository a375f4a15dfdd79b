import { describe, expect, it } from 'vitest'
import { daysLeft, grantBody, parseDepartments } from '@/pages/system/api'
import { htmlFile, periodLabel, sortFiles } from '@/pages/reports/api'

describe('granting a member', () => {
  it('reads department ids typed with commas, spaces or full-width commas, once each', () => {
    expect(parseDepartments('1, 3，4 3  x -2 0 2.5')).toEqual([1, 3, 4])
  })

  it('sends departments only with the departments scope', () => {
    expect(grantBody('viewer', 'departments', '2,5')).toEqual({ role: 'viewer', scope: 'departments', departments: [2, 5] })
    expect(grantBody('operator', 'all', '2,5')).toEqual({ role: 'operator', scope: 'all', departments: [] })
  })
})

describe('API keys', () => {
  it('count the whole days left, and none once expired', () => {
    const now = 1_000_000
    expect(daysLeft(now + 86400 * 2 - 10, now)).toBe(2)
    expect(daysLeft(now - 1, now)).toBe(0)
  })
})

describe('reports', () => {
  it('say a one-day period once and a longer one as a range', () => {
    expect(periodLabel({ start: '2026-11-30', end: '2026-11-30' })).toBe('2026-11-30')
    expect(periodLabel({ start: '2026-11-23', end: '2026-11-29' })).toBe('2026-11-23 – 2026-11-29')
  })

  it('offer the web page first, then the workbook, then each CSV by name', () => {
    const file = (name: string, type: string) => ({ name, key: name, content_type: type, url: `u/${name}` })
    const files = [file('staff.csv', 'text/csv'), file('report.xlsx', 'application/vnd'), file('channels.csv', 'text/csv'), file('report.html', 'text/html; charset=utf-8')]
    expect(sortFiles(files).map((f) => f.name)).toEqual(['report.html', 'report.xlsx', 'channels.csv', 'staff.csv'])
    expect(htmlFile(files)?.name).toBe('report.html')
  })
})
