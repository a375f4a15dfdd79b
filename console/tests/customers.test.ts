import { describe, expect, it } from 'vitest'
import { newRequestId, submissionIds } from '@/pages/customers/requestId'
import { conditionCount, emptyFilterForm, filterFromForm } from '@/pages/customers/filters'

describe('request ids of points submissions', () => {
  it('fit the API pattern and length', () => {
    const id = newRequestId()
    expect(id).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/)
    expect(newRequestId('x'.repeat(80)).length).toBe(64)
    expect(newRequestId()).not.toBe(id)
  })

  it('stay the same for the same values (a double click, a retry) and change after success', () => {
    let n = 0
    const ids = submissionIds(() => `id-${++n}`)
    const first = ids.idFor({ points: 10, reason: 'gift' })
    expect(ids.idFor({ points: 10, reason: 'gift' })).toBe(first)
    expect(ids.idFor({ points: 20, reason: 'gift' })).toBe('id-2')
    ids.done()
    expect(ids.idFor({ points: 20, reason: 'gift' })).toBe('id-3')
  })
})

describe('the customer list filter', () => {
  it('is empty when nothing is set (every customer)', () => {
    expect(filterFromForm(emptyFilterForm())).toEqual({})
  })

  it('holds only the conditions set, in the directory API shape', () => {
    const form = emptyFilterForm()
    form.text = '  Alice '
    form.staff = ['zhangsan']
    form.tags = ['etVip']
    form.status = 'following'
    form.added = [Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 30)]
    form.minSpendYuan = 99.5
    const filter = filterFromForm(form)
    expect(filter).toEqual({
      text: 'Alice',
      staff: ['zhangsan'],
      tags: { any_of: ['etVip'], all_of: [], none_of: [] },
      status: 'following',
      added: { min: Date.UTC(2026, 10, 1) / 1000, max: Date.UTC(2026, 10, 30) / 1000 + 86_399 },
      spend_cents: { min: 9950, max: null },
    })
    expect(conditionCount(filter)).toBe(6)
  })
})
