import { describe, expect, it } from 'vitest'
import { fieldFor } from '@/composables/useFormErrors'
import { fromPairs, tagOrNull, tierFields, toCents, toPairs, toYuan } from '@/pages/loyalty/forms'

describe('points rules form', () => {
  it('edits a name-to-value map as rows and drops blank names on the way back', () => {
    const rows = toPairs({ gold: 1.5, silver: 1.2 })
    expect(rows).toEqual([
      { name: 'gold', value: 1.5 },
      { name: 'silver', value: 1.2 },
    ])
    expect(fromPairs([...rows, { name: '  ', value: 3 }, { name: ' vip ', value: 2 }])).toEqual({
      gold: 1.5,
      silver: 1.2,
      vip: 2,
    })
    expect(toPairs(undefined)).toEqual([])
  })

  it('shows fen as yuan and rounds yuan back to the fen', () => {
    expect(toYuan(100)).toBe(1)
    expect(toYuan(null)).toBe(0)
    expect(toCents(0.1 + 0.2)).toBe(30)
    expect(toCents(12.345)).toBe(1235)
  })
})

describe('membership tiers form', () => {
  it('puts a 400 on a level on that level’s field', () => {
    const fields = tierFields(3)
    expect(fieldFor('levels.2.name', fields)).toBe('levels.2.name')
    expect(fieldFor('levels.1.min_points', fields)).toBe('levels.1.min_points')
    expect(fieldFor('levels', fields)).toBe('levels')
    expect(fieldFor('window_days', fields)).toBe('window_days')
  })

  it('sends no tag for a blank tag id', () => {
    expect(tagOrNull('  ')).toBeNull()
    expect(tagOrNull(undefined)).toBeNull()
    expect(tagOrNull(' et123 ')).toBe('et123')
  })
})
