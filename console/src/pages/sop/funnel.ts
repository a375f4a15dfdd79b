import type { EChartsOption } from '@/charts/echarts'
import type { Funnel, Step } from './model'

export interface FunnelLabels {
  targeted: string
  sent: string
  delivered: string
  orders: string
  gmv: string
}

/** `1. Day-0 greeting` for each step of the funnel, in the plan's order. */
export function stepLabels(funnel: Funnel, steps: Pick<Step, 'id' | 'name'>[]): string[] {
  const names = new Map(steps.map((s) => [s.id, s.name || s.id]))
  return funnel.steps.map((s, n) => `${n + 1}. ${names.get(s.step_id) ?? s.step_id}`)
}

/** Per step: customers targeted, sent, delivered and who ordered (bars), GMV in yuan (line,
 * right axis). */
export function funnelOption(funnel: Funnel, steps: Pick<Step, 'id' | 'name'>[], labels: FunnelLabels): EChartsOption {
  const rows = funnel.steps
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [labels.targeted, labels.sent, labels.delivered, labels.orders, labels.gmv] },
    grid: { left: 48, right: 64, top: 48, bottom: 32 },
    xAxis: { type: 'category', data: stepLabels(funnel, steps) },
    yAxis: [
      { type: 'value', minInterval: 1 },
      { type: 'value', name: '¥', axisLabel: { formatter: '{value}' } },
    ],
    series: [
      { name: labels.targeted, type: 'bar', data: rows.map((s) => s.targeted ?? 0), itemStyle: { color: '#a0cfff' } },
      { name: labels.sent, type: 'bar', data: rows.map((s) => s.sent ?? 0), itemStyle: { color: '#409eff' } },
      { name: labels.delivered, type: 'bar', data: rows.map((s) => s.delivered ?? 0), itemStyle: { color: '#337ecc' } },
      { name: labels.orders, type: 'bar', data: rows.map((s) => s.orders ?? 0), itemStyle: { color: '#67c23a' } },
      {
        name: labels.gmv,
        type: 'line',
        yAxisIndex: 1,
        data: rows.map((s) => (s.gmv_cents ?? 0) / 100),
        itemStyle: { color: '#e6a23c' },
      },
    ],
  }
}

/** Totals over the plan: the first step's reach, orders and GMV over all steps. */
export function funnelTotals(funnel: Funnel): { targeted: number; delivered: number; orders: number; gmv_cents: number } {
  const first = funnel.steps[0]
  return {
    targeted: first?.targeted ?? 0,
    delivered: first?.delivered ?? 0,
    orders: funnel.steps.reduce((sum, s) => sum + (s.orders ?? 0), 0),
    gmv_cents: funnel.steps.reduce((sum, s) => sum + (s.gmv_cents ?? 0), 0),
  }
}
