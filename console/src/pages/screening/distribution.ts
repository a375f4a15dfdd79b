import type { EChartsOption } from '@/charts/echarts'

/** The screening's segments, in the order the console shows them. */
export const SEGMENTS = ['champions', 'loyal', 'new', 'need_attention', 'at_risk', 'hibernating', 'prospect'] as const
export type Segment = (typeof SEGMENTS)[number]

export interface SegmentCount {
  segment: Segment
  count: number
  asOf: number | null
}

/** A bar per segment, labelled in the person's language. */
export function distributionOption(rows: SegmentCount[], label: (segment: Segment) => string): EChartsOption {
  return {
    grid: { left: 48, right: 16, top: 16, bottom: 32 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: rows.map((row) => label(row.segment)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', data: rows.map((row) => row.count), barMaxWidth: 40 }],
  }
}
