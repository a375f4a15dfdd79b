/** A staff member's weekly schedule as the API takes it (`StaffIn.schedule`: ISO weekday
 * "1"…"7" → windows `{start: "HH:MM", end: "HH:MM"}`, end exclusive, "24:00" allowed; a
 * weekday not listed is off; no schedule at all means any time) and as the form's grid
 * shows it: 7 rows (Monday first) of half-hour slots. */

export interface Window {
  start: string
  end: string
}
export type Schedule = Record<string, Window[]>

export const SLOT_MINUTES = 30
export const SLOTS = (24 * 60) / SLOT_MINUTES
export const WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'] as const

/** 7 rows × 48 booleans. */
export type Grid = boolean[][]

export function minutes(text: string): number {
  const [hours, mins] = text.split(':').map(Number)
  return hours * 60 + mins
}

export function hhmm(total: number): string {
  const hours = Math.floor(total / 60)
  const mins = total % 60
  return `${String(hours).padStart(2, '0')}:${String(mins).padStart(2, '0')}`
}

export function emptyGrid(): Grid {
  return WEEKDAYS.map(() => Array<boolean>(SLOTS).fill(false))
}

/** Mon–Fri 09:00–18:00, a starting point for a new schedule. */
export function officeHours(): Grid {
  const grid = emptyGrid()
  for (let day = 0; day < 5; day++) {
    for (let slot = (9 * 60) / SLOT_MINUTES; slot < (18 * 60) / SLOT_MINUTES; slot++) grid[day][slot] = true
  }
  return grid
}

/** Windows of one row: runs of consecutive slots that are on. */
export function rowWindows(row: boolean[]): Window[] {
  const windows: Window[] = []
  let start: number | null = null
  for (let slot = 0; slot <= row.length; slot++) {
    const on = slot < row.length && row[slot]
    if (on && start === null) start = slot
    if (!on && start !== null) {
      windows.push({ start: hhmm(start * SLOT_MINUTES), end: hhmm(slot * SLOT_MINUTES) })
      start = null
    }
  }
  return windows
}

/** The API's schedule for a grid: weekdays with no slot on are left out (off). */
export function scheduleFromGrid(grid: Grid): Schedule {
  const schedule: Schedule = {}
  grid.forEach((row, index) => {
    const windows = rowWindows(row)
    if (windows.length) schedule[WEEKDAYS[index]] = windows
  })
  return schedule
}

/** The grid for a schedule: a slot is on when any window overlaps it. `exact` is false when
 * some window does not start and end on a half hour (saving the grid would round it). */
export function gridFromSchedule(schedule: Schedule | null | undefined): { grid: Grid; exact: boolean } {
  const grid = emptyGrid()
  let exact = true
  for (const [day, windows] of Object.entries(schedule ?? {})) {
    const row = WEEKDAYS.indexOf(day as (typeof WEEKDAYS)[number])
    if (row < 0) continue
    for (const window of windows) {
      const from = minutes(window.start)
      const to = minutes(window.end)
      if (from % SLOT_MINUTES || to % SLOT_MINUTES) exact = false
      for (let slot = Math.floor(from / SLOT_MINUTES); slot < Math.ceil(to / SLOT_MINUTES); slot++) {
        grid[row][slot] = true
      }
    }
  }
  return { grid, exact }
}

/** Sets every slot from `a` to `b` (inclusive, any corner order) to `on`: a drag on the grid. */
export function paint(grid: Grid, a: [number, number], b: [number, number], on: boolean): Grid {
  const next = grid.map((row) => [...row])
  const [r0, r1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])]
  const [c0, c1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])]
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) next[r][c] = on
  return next
}

/** One special date in the form: a day off, or its own windows. */
export interface SpecialDate {
  date: string
  off: boolean
  windows: Window[]
}

export function specialDatesToApi(rows: SpecialDate[]): Record<string, Window[]> {
  const out: Record<string, Window[]> = {}
  for (const row of rows) {
    if (!row.date) continue
    out[row.date] = row.off ? [] : row.windows.filter((w) => w.start && w.end)
  }
  return out
}

export function specialDatesFromApi(value: Record<string, Window[]> | null | undefined): SpecialDate[] {
  return Object.entries(value ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, windows]) => ({ date, off: windows.length === 0, windows: windows.map((w) => ({ ...w })) }))
}

/** A short human summary of a schedule, e.g. "Mon–Fri 09:00–18:00". */
export function summarize(schedule: Schedule | null | undefined, dayNames: readonly string[]): string {
  if (!schedule) return ''
  const parts: string[] = []
  let run: { from: number; to: number; text: string } | null = null
  const flush = (): void => {
    if (!run) return
    const days = run.from === run.to ? dayNames[run.from] : `${dayNames[run.from]}–${dayNames[run.to]}`
    parts.push(`${days} ${run.text}`)
    run = null
  }
  WEEKDAYS.forEach((day, index) => {
    const windows = schedule[day] ?? []
    const text = windows.map((w) => `${w.start}–${w.end}`).join(', ')
    if (!text) {
      flush()
      return
    }
    if (run && run.text === text && run.to === index - 1) run.to = index
    else {
      flush()
      run = { from: index, to: index, text }
    }
  })
  flush()
  return parts.join('; ')
}
