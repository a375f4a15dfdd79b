import { describe, expect, it } from 'vitest'
import { blankRule, describeHours, formToRule, groupTags, ruleToForm, weekdayRanges } from '@/pages/tags/rules'

describe('auto-tag rules between the editor and the API', () => {
  it('sends a condition switched off as null (any)', () => {
    expect(formToRule({ ...blankRule(), rule_id: 'r1', tag_ids: ['t1'] })).toEqual({
      name: '', tag_ids: ['t1'], enabled: true, channel: null, code: null, gender: null, weekdays: null, hours: null,
    })
  })

  it('round-trips every condition', () => {
    const rule = { rule_id: 'night', name: '夜间', tag_ids: ['t1', 't2'], enabled: false, channel: 'mall', code: 'A1', gender: 0 as const, weekdays: [5, 6], hours: { start: 22, end: 6 }, updated_at: 0 }
    const { rule_id: _id, updated_at: _at, ...body } = rule
    expect(formToRule(ruleToForm(rule))).toEqual(body)
  })

  it('keeps gender 0 (unknown) apart from any', () => {
    expect(formToRule({ ...ruleToForm({ rule_id: 'r', name: '', tag_ids: ['t'], enabled: true, channel: null, code: null, gender: 0, weekdays: null, hours: null, updated_at: 0 }) }).gender).toBe(0)
  })

  it('says a window across midnight as people do', () => {
    expect(describeHours({ start: 22, end: 6 }, '(next day)')).toBe('22:00–06:00 (next day)')
    expect(describeHours({ start: 9, end: 24 }, '(next day)')).toBe('09:00–24:00')
    expect(weekdayRanges([7, 1, 2, 3, 5])).toEqual([[1, 3], [5, 5], [7, 7]])
  })

  it('groups the catalogue by group, tags in their order', () => {
    const groups = groupTags([
      { tag_id: 'b', name: 'B', group_id: 'g2', group_name: '来源', order: 2 },
      { tag_id: 'a', name: 'A', group_id: 'g2', group_name: '来源', order: 1 },
      { tag_id: 'c', name: 'C', group_id: 'g1', group_name: '兴趣', order: 0 },
    ])
    expect(groups.map((g) => [g.group_name, g.tags.map((t) => t.tag_id)])).toEqual([
      ['兴趣', ['c']],
      ['来源', ['a', 'b']],
    ])
  })
})
