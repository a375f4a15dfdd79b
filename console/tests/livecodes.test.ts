import { describe, expect, it } from 'vitest'
import {
  emptyGrid,
  gridFromSchedule,
  officeHours,
  paint,
  rowWindows,
  scheduleFromGrid,
  specialDatesFromApi,
  specialDatesToApi,
  summarize,
} from '@/pages/livecodes/schedule'
import { bodyFromForm, checkForm, emptyForm, formFromCode, newStaffRow } from '@/pages/livecodes/form'
import { addsByDay, channelTotals, staffTotals } from '@/pages/livecodes/stats'
import type { LiveCode, CodeStats } from '@/pages/livecodes/api'

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

describe('the weekly hours grid and the API schedule', () => {
  it('turns office hours into one window per working day, weekends left out (off)', () => {
    expect(scheduleFromGrid(officeHours())).toEqual({
      '1': [{ start: '09:00', end: '18:00' }],
      '2': [{ start: '09:00', end: '18:00' }],
      '3': [{ start: '09:00', end: '18:00' }],
      '4': [{ start: '09:00', end: '18:00' }],
      '5': [{ start: '09:00', end: '18:00' }],
    })
  })

  it('splits a day into its runs and ends the last slot at 24:00', () => {
    const row = Array<boolean>(48).fill(false)
    row[0] = row[1] = true // 00:00–01:00
    row[26] = row[27] = true // 13:00–14:00
    row[47] = true // 23:30–24:00
    expect(rowWindows(row)).toEqual([
      { start: '00:00', end: '01:00' },
      { start: '13:00', end: '14:00' },
      { start: '23:30', end: '24:00' },
    ])
  })

  it('reads back what it wrote, exactly', () => {
    const schedule = { '1': [{ start: '08:30', end: '12:00' }, { start: '13:00', end: '24:00' }], '6': [{ start: '10:00', end: '16:00' }] }
    const { grid, exact } = gridFromSchedule(schedule)
    expect(exact).toBe(true)
    expect(scheduleFromGrid(grid)).toEqual(schedule)
  })

  it('says when a window is not on the half hour (saving would round it outwards)', () => {
    const { grid, exact } = gridFromSchedule({ '2': [{ start: '09:15', end: '10:10' }] })
    expect(exact).toBe(false)
    expect(scheduleFromGrid(grid)).toEqual({ '2': [{ start: '09:00', end: '10:30' }] })
  })

  it('has no schedule for "any time" and an empty grid for none', () => {
    expect(gridFromSchedule(null).grid).toEqual(emptyGrid())
    expect(scheduleFromGrid(emptyGrid())).toEqual({})
  })

  it('paints a dragged rectangle in either direction', () => {
    const painted = paint(emptyGrid(), [2, 20], [0, 18], true)
    expect(scheduleFromGrid(painted)).toEqual({
      '1': [{ start: '09:00', end: '10:30' }],
      '2': [{ start: '09:00', end: '10:30' }],
      '3': [{ start: '09:00', end: '10:30' }],
    })
    expect(scheduleFromGrid(paint(painted, [0, 0], [6, 47], false))).toEqual({})
  })

  it('summarises runs of days with the same hours', () => {
    expect(summarize(scheduleFromGrid(officeHours()), DAYS)).toBe('Mon–Fri 09:00–18:00')
    expect(summarize({ '1': [{ start: '09:00', end: '12:00' }], '3': [{ start: '09:00', end: '12:00' }] }, DAYS)).toBe(
      'Mon 09:00–12:00; Wed 09:00–12:00',
    )
  })

  it('keeps special dates: a day off is an empty list', () => {
    const api = { '2026-10-01': [], '2026-09-30': [{ start: '10:00', end: '15:00' }] }
    const rows = specialDatesFromApi(api)
    expect(rows.map((r) => [r.date, r.off])).toEqual([
      ['2026-09-30', false],
      ['2026-10-01', true],
    ])
    expect(specialDatesToApi(rows)).toEqual(api)
    expect(specialDatesToApi([{ date: '', off: true, windows: [] }])).toEqual({})
  })
})

describe('the live code form', () => {
  it('sends only what the API takes, weights only when weighted, backups not in the pool', () => {
    const form = emptyForm()
    form.code = 'spring'
    form.name = ' Spring poster '
    form.staff = [{ ...newStaffRow('zhangsan'), weight: 5, daily_cap: 30 }, newStaffRow('lisi')]
    form.backup = ['lisi', 'wangwu']
    form.channels = ['poster', 'parcel']
    form.expires_at = 1_800_000_000_500
    const body = bodyFromForm(form)
    expect(body.name).toBe('Spring poster')
    expect(body.staff.map((s) => [s.userid, s.weight, s.daily_cap])).toEqual([
      ['zhangsan', 1, 30],
      ['lisi', 1, null],
    ])
    expect(body.backup).toEqual(['wangwu'])
    expect(body.expires_at).toBe(1_800_000_000)
    expect(body.welcome_text).toBeNull()
    expect('code' in body).toBe(false)
    form.mode = 'weighted'
    expect(bodyFromForm(form).staff[0].weight).toBe(5)
  })

  it('round-trips a stored code, keeping fields the form does not show', () => {
    const stored = {
      code: 'shop1',
      name: 'Shop',
      mode: 'least_loaded',
      staff: [{ userid: 'zhangsan', weight: 2, daily_cap: null, schedule: { '1': [{ start: '09:00', end: '18:00' }] }, special_dates: { '2026-10-01': [] } }],
      backup: [],
      channels: ['default'],
      store_id: 'store-9',
      skip_verify: false,
      welcome_text: 'Hi',
      tag_ids: ['etA'],
      expires_at: null,
      landing: 'page',
      title: 'Welcome',
      hint: 'Scan',
      scan_allowance: 2,
      referrer: null,
      printed: true,
      ways: [],
      printed_ways: [],
      created_at: 1,
      updated_at: 2,
      updated_by: 'x',
    } as unknown as LiveCode
    const body = bodyFromForm(formFromCode(stored))
    expect(body).toMatchObject({ store_id: 'store-9', skip_verify: false, landing: 'page', title: 'Welcome', printed: true, scan_allowance: 2 })
    expect(body.staff[0].schedule).toEqual({ '1': [{ start: '09:00', end: '18:00' }] })
    expect(body.staff[0].special_dates).toEqual({ '2026-10-01': [] })
  })

  it('refuses before sending what the API would refuse', () => {
    const form = emptyForm()
    form.code = 'Bad Code'
    form.channels = ['ok', 'No Spaces']
    const problems = checkForm(form, true)
    expect(Object.keys(problems).sort()).toEqual(['channels', 'code', 'staff'])
    expect(problems.channels.values).toEqual({ channel: 'No Spaces' })
    form.code = 'good1'
    form.channels = ['ok']
    form.staff = [newStaffRow('lisi'), newStaffRow('lisi')]
    expect(checkForm(form, true).staff.key).toBe('livecodes.check.staffTwice')
    form.staff = [newStaffRow('lisi')]
    expect(checkForm(form, true)).toEqual({})
    expect(checkForm({ ...form, code: '' }, false)).toEqual({})
  })
})

describe('live code stats', () => {
  const stats: CodeStats = {
    code: 'c1',
    channels: [
      { day: '2026-11-30', channel: 'poster', scans: 3, adds: 2, deletions: 0, net_adds: 2, conversion: 0.66 },
      { day: '2026-11-30', channel: 'parcel', scans: 1, adds: 1, deletions: 1, net_adds: 0, conversion: 1 },
      { day: '2026-12-01', channel: 'poster', scans: 2, adds: 2, deletions: 0, net_adds: 2, conversion: 1 },
    ],
    staff: [
      { day: '2026-11-30', userid: 'lisi', scans: 2, adds: 1, daily_cap: null },
      { day: '2026-12-01', userid: 'lisi', scans: 1, adds: 1, daily_cap: null },
      { day: '2026-12-01', userid: 'zhangsan', scans: 3, adds: 3, daily_cap: 5 },
    ],
  }

  it('sums per channel and per staff member, most adds first', () => {
    expect(channelTotals(stats)).toEqual([
      { key: 'poster', scans: 5, adds: 4, deletions: 0 },
      { key: 'parcel', scans: 1, adds: 1, deletions: 1 },
    ])
    expect(staffTotals(stats).map((s) => [s.key, s.scans, s.adds])).toEqual([
      ['zhangsan', 3, 3],
      ['lisi', 3, 2],
    ])
  })

  it('lines each channel up on every day, zero where it had none', () => {
    expect(addsByDay(stats)).toEqual({
      days: ['2026-11-30', '2026-12-01'],
      series: [
        { name: 'parcel', data: [1, 0] },
        { name: 'poster', data: [2, 2] },
      ],
    })
  })
})
