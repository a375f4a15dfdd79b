import { describe, expect, it } from 'vitest'
import { joinQuitOption, totals } from '@/pages/groups/stats'

describe('joins and leaves of a group', () => {
  const days = [
    { day: '2026-11-30', joins: 3, leaves: 1 },
    { day: '2026-12-01', joins: 0, leaves: 2 },
  ] as never[]

  it('totals the period with its net change', () => {
    expect(totals(days)).toEqual({ joins: 3, leaves: 3, net: 0 })
  })

  it('draws leaves below the axis and the net as a line', () => {
    const option = joinQuitOption(days, { joins: 'in', leaves: 'out', net: 'net' }) as { series: { data: number[] }[]; xAxis: { data: string[] } }
    expect(option.xAxis.data).toEqual(['11-30', '12-01'])
    expect(option.series[1].data).toEqual([-1, -2])
    expect(option.series[2].data).toEqual([2, -2])
  })
})
