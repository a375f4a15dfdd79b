import { describe, expect, it } from 'vitest'
import {
  blankStep,
  checkPlan,
  delayMinutes,
  fieldOfPlanMessage,
  formToPlan,
  formToStep,
  formToTrigger,
  nextStepId,
  planFields,
  planToForm,
  splitDelay,
  stepToForm,
  targetsFor,
  blankTrigger,
  type Plan,
} from '@/pages/sop/model'
import { funnelOption, funnelTotals, stepLabels } from '@/pages/sop/funnel'
import { fieldFor, useFormErrors } from '@/composables/useFormErrors'
import { ApiError } from '@/api/errors'

const PLAN: Plan = {
  id: 'mall-welcome',
  name: '商场新客欢迎',
  active: true,
  allow_reentry: false,
  target: 'private',
  exit_on: ['order', 'deleted'],
  updated_at: 1,
  updated_by: 'lisi',
  trigger: { kind: 'contact_added', channels: ['mall'], codes: [], tag_ids: [], chat_ids: [], tier: null, segment: null, days: null, date: null },
  steps: [
    { id: 'd0', name: '当天问候', delay_minutes: 0, day: null, at: null, content: { text: '{name}，欢迎！', attachments: [] } },
    {
      id: 'd1',
      name: '次日到店礼',
      delay_minutes: null,
      day: 1,
      at: '10:00',
      content: { text: '到店 9 折', attachments: [{ type: 'link', title: '门店地址', url: 'https://shop.example.com/mall', picurl: null, desc: '' }] },
    },
    { id: 'h2', name: '', delay_minutes: 120, day: null, at: null, content: { text: 'x', attachments: [] } },
  ],
}

describe('SOP steps between the editor and the API', () => {
  it('writes a delay in its largest whole unit', () => {
    expect(splitDelay(0)).toEqual({ amount: 0, unit: 'minutes' })
    expect(splitDelay(90)).toEqual({ amount: 90, unit: 'minutes' })
    expect(splitDelay(120)).toEqual({ amount: 2, unit: 'hours' })
    expect(splitDelay(2880)).toEqual({ amount: 2, unit: 'days' })
    expect(delayMinutes(3, 'days')).toBe(4320)
  })

  it('reads "day N at HH:MM" and "after a delay" steps', () => {
    expect(stepToForm(PLAN.steps[1])).toMatchObject({ timing: 'day', day: 1, at: '10:00' })
    expect(stepToForm(PLAN.steps[2])).toMatchObject({ timing: 'delay', amount: 2, unit: 'hours' })
  })

  it('sends exactly one timing: the other fields null', () => {
    const form = stepToForm(PLAN.steps[1])
    expect(formToStep(form)).toMatchObject({ delay_minutes: null, day: 1, at: '10:00' })
    form.timing = 'delay'
    form.amount = 1
    form.unit = 'days'
    expect(formToStep(form)).toMatchObject({ delay_minutes: 1440, day: null, at: null })
  })

  it('gives a plan back unchanged after a round trip through the editor', () => {
    const { id: _id, updated_at: _at, updated_by: _by, ...body } = PLAN
    expect(formToPlan(planToForm(PLAN))).toEqual(body)
  })

  it('gives new steps ids no other step has (ids keep the funnel figures)', () => {
    expect(nextStepId([{ id: 's1' }, { id: 's3' }])).toBe('s4')
    expect(nextStepId([{ id: 's3' }, { id: 'x' }])).toBe('s4')
    expect(blankStep([{ id: 's1' }]).id).toBe('s2')
  })
})

describe('SOP triggers', () => {
  it('sends only the fields the kind uses', () => {
    const form = { ...blankTrigger('tagged'), tag_ids: ['t1'], channels: ['mall'], days: 7, segment: 'loyal' }
    expect(formToTrigger(form)).toEqual({
      kind: 'tagged', channels: [], codes: [], tag_ids: ['t1'], chat_ids: [], tier: null, segment: null, days: null, date: null,
    })
    const noOrder = formToTrigger({ ...blankTrigger('no_order_after_add'), days: 3, channels: [' mall ', ''] })
    expect(noOrder).toMatchObject({ days: 3, channels: ['mall'] })
    expect(formToTrigger({ ...blankTrigger('date'), date: '2026-12-12', segment: 'loyal' })).toMatchObject({ date: '2026-12-12', segment: 'loyal' })
  })

  it('offers only the targets the API accepts for the trigger', () => {
    expect(targetsFor('group_created')).toEqual(['group'])
    expect(targetsFor('group_joined')).toContain('group')
    expect(targetsFor('contact_added')).not.toContain('group')
  })
})

describe("the API's 400 on the field it names", () => {
  it('knows the fields of every step and its content', () => {
    const fields = planFields()
    expect(fieldFor('steps.1.at', fields)).toBe('steps.1.at')
    expect(fieldFor('steps.0.content.attachments.0.link.url', fields)).toBe('steps.0.content.attachments.0')
    expect(fieldFor('trigger', fields)).toBe('trigger')
  })

  it('puts plan-wide refusals on the field they speak of', () => {
    expect(fieldOfPlanMessage('Value error, a group_created trigger needs target group')).toBe('target')
    expect(fieldOfPlanMessage('Value error, a group SOP is triggered by group_created or group_joined')).toBe('target')
    expect(fieldOfPlanMessage('Value error, step ids must be unique')).toBe('steps')
    expect(fieldOfPlanMessage('something else')).toBeNull()
  })

  it('checks what it can before saving', () => {
    const form = planToForm(PLAN)
    form.id = 'Bad Id'
    form.steps[1].at = '25:00'
    form.steps[0].content = { text: ' ', attachments: [] }
    expect(checkPlan(form, true)).toEqual({
      id: 'sop.errors.planId',
      'steps.1.at': 'sop.errors.at',
      'steps.0.content.text': 'sop.errors.content',
    })
    expect(checkPlan(planToForm(PLAN), false)).toEqual({})
  })
})

describe('the funnel chart', () => {
  const funnel = {
    plan_id: 'mall-welcome',
    conversion_window_days: 7,
    steps: [
      { step_id: 'd0', targeted: 10, sent: 9, delivered: 8, orders: 2, gmv_cents: 12_345 },
      { step_id: 'd1', targeted: 8, sent: 8, delivered: 7, orders: 1, gmv_cents: 5_000 },
    ],
  } as never

  it('labels steps by their names in order', () => {
    expect(stepLabels(funnel, PLAN.steps)).toEqual(['1. 当天问候', '2. 次日到店礼'])
  })

  it('draws reach, delivery and orders as bars and GMV in yuan on its own axis', () => {
    const option = funnelOption(funnel, PLAN.steps, { targeted: 'T', sent: 'S', delivered: 'D', orders: 'O', gmv: 'G' }) as {
      series: { name: string; data: number[]; yAxisIndex?: number }[]
    }
    expect(option.series.map((s) => s.name)).toEqual(['T', 'S', 'D', 'O', 'G'])
    expect(option.series[0].data).toEqual([10, 8])
    expect(option.series[4]).toMatchObject({ data: [123.45, 50], yAxisIndex: 1 })
  })

  it('totals the first step reach and all orders and GMV', () => {
    expect(funnelTotals(funnel)).toEqual({ targeted: 10, delivered: 8, orders: 3, gmv_cents: 17_345 })
  })
})

describe('a mass step naming a per-customer variable', () => {
  it('shows the API refusal on the step text it names', () => {
    const { errors, apply } = useFormErrors(planFields())
    const message =
      'body.steps.1.content.text: Value error, {name} differs for every customer, and a mass message is one text per sender (up to 10,000 customers in one WeCom call): remove {name} (the sender\'s name is {staff})'
    expect(apply(new ApiError(400, 'invalid_request', message))).toBe(true)
    expect(errors['steps.1.content.text']).toContain('{name} differs for every customer')
    expect(errors._form).toBeUndefined()
  })
})
