import { describe, expect, it } from 'vitest'
import { SEGMENTS, distributionOption } from '@/pages/screening/distribution'

describe('the segment distribution', () => {
  it('draws one bar per segment, in order, labelled in the person’s language', () => {
    const rows = SEGMENTS.map((segment, n) => ({ segment, count: n * 10, asOf: null }))
    const option = distributionOption(rows, (segment) => `<${segment}>`) as {
      xAxis: { data: string[] }
      series: { data: number[] }[]
    }
    expect(option.xAxis.data).toEqual(SEGMENTS.map((s) => `<${s}>`))
    expect(option.series[0].data).toEqual([0, 10, 20, 30, 40, 50, 60])
  })
})
