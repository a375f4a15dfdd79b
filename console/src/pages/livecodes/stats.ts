import type { EChartsOption } from '@/charts/echarts'
import type { CodeStats } from './api'

export interface Totals {
  key: string
  scans: number
  adds: number
  deletions: number
}

/** Scans, adds and deletions summed per channel over the days of the answer. */
export function channelTotals(stats: CodeStats): Totals[] {
  const by = new Map<string, Totals>()
  for (const row of stats.channels) {
    const total = by.get(row.channel) ?? { key: row.channel, scans: 0, adds: 0, deletions: 0 }
    total.scans += row.scans ?? 0
    total.adds += row.adds ?? 0
    total.deletions += row.deletions ?? 0
    by.set(row.channel, total)
  }
  return [...by.values()].sort((a, b) => b.adds - a.adds || a.key.localeCompare(b.key))
}

/** Scans routed and adds summed per staff member. */
export function staffTotals(stats: CodeStats): Totals[] {
  const by = new Map<string, Totals>()
  for (const row of stats.staff) {
    const total = by.get(row.userid) ?? { key: row.userid, scans: 0, adds: 0, deletions: 0 }
    total.scans += row.scans ?? 0
    total.adds += row.adds ?? 0
    by.set(row.userid, total)
  }
  return [...by.values()].sort((a, b) => b.adds - a.adds || a.key.localeCompare(b.key))
}

/** The days of the answer in order, and per channel the adds of each day (0 when none). */
export function addsByDay(stats: CodeStats): { days: string[]; series: { name: string; data: number[] }[] } {
  const days = [...new Set(stats.channels.map((row) => row.day))].sort()
  const channels = [...new Set(stats.channels.map((row) => row.channel))].sort()
  const index = new Map(days.map((day, i) => [day, i]))
  const series = channels.map((name) => ({ name, data: days.map(() => 0) }))
  const byName = new Map(series.map((s) => [s.name, s]))
  for (const row of stats.channels) byName.get(row.channel)!.data[index.get(row.day)!] += row.adds ?? 0
  return { days, series }
}

export function dailyChart(stats: CodeStats, labels: { adds: string }): EChartsOption {
  const { days, series } = addsByDay(stats)
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', minInterval: 1, name: labels.adds },
    series: series.map((s) => ({ name: s.name, type: 'line', data: s.data })),
  }
}

export function totalsChart(rows: Totals[], labels: { scans: string; adds: string }, names: (key: string) => string = (k) => k): EChartsOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: rows.map((r) => names(r.key)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: labels.scans, type: 'bar', data: rows.map((r) => r.scans) },
      { name: labels.adds, type: 'bar', data: rows.map((r) => r.adds) },
    ],
  }
}
