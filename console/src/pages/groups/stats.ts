import type { components } from '@/api/schema'
import type { EChartsOption } from '@/charts/echarts'

export type GroupDay = components['schemas']['GroupDay']

export interface StatLabels {
  joins: string
  leaves: string
  net: string
}

/** Totals of a period: joined, left, and the net change. */
export function totals(days: GroupDay[]): { joins: number; leaves: number; net: number } {
  const joins = days.reduce((sum, d) => sum + (d.joins ?? 0), 0)
  const leaves = days.reduce((sum, d) => sum + (d.leaves ?? 0), 0)
  return { joins, leaves, net: joins - leaves }
}

/** Joins up, leaves down (as negative bars), and the net change as a line, per day. */
export function joinQuitOption(days: GroupDay[], labels: StatLabels): EChartsOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [labels.joins, labels.leaves, labels.net] },
    grid: { left: 40, right: 16, top: 44, bottom: 28 },
    xAxis: { type: 'category', data: days.map((d) => d.day.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: labels.joins, type: 'bar', stack: 'flow', itemStyle: { color: '#67c23a' }, data: days.map((d) => d.joins ?? 0) },
      { name: labels.leaves, type: 'bar', stack: 'flow', itemStyle: { color: '#f56c6c' }, data: days.map((d) => -(d.leaves ?? 0)) },
      { name: labels.net, type: 'line', smooth: true, itemStyle: { color: '#409eff' }, data: days.map((d) => (d.joins ?? 0) - (d.leaves ?? 0)) },
    ],
  }
}
