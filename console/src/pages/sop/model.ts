import type { components } from '@/api/schema'
import { corpToday } from '@/components/days'
import { cleanContent, contentFields, editableContent, type MessageContent } from '@/components/messageContent'

export type Plan = components['schemas']['Plan']
export type PlanIn = components['schemas']['PlanIn']
export type Step = components['schemas']['Step']
export type Trigger = components['schemas']['Trigger']
export type TriggerKind = Trigger['kind']
export type Target = PlanIn['target']
export type ExitOn = NonNullable<PlanIn['exit_on']>[number]
export type Funnel = components['schemas']['Funnel']
export type StepFunnel = components['schemas']['StepFunnel']

/** The API's limits (`chalicelib/sop/models.py`). */
export const PLAN_ID = /^[a-z0-9][a-z0-9-]{0,47}$/
export const STEP_ID = /^[a-z0-9][a-z0-9-]{0,31}$/
export const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/
export const MAX_STEPS = 20
export const MAX_DELAY_MINUTES = 366 * 24 * 60

export const TRIGGER_KINDS: TriggerKind[] = [
  'contact_added',
  'tagged',
  'group_joined',
  'group_created',
  'tier_reached',
  'first_order',
  'no_order_after_add',
  'segment',
  'date',
]
/** The screening segments (`chalicelib/screening/models.py`). */
export const SEGMENTS = ['champions', 'loyal', 'new', 'need_attention', 'at_risk', 'hibernating', 'prospect'] as const

export const TARGETS: Target[] = ['private', 'group', 'moment']
export const EXITS: ExitOn[] = ['order', 'deleted']

/** Which trigger fields each kind uses; the others are sent empty. */
export const TRIGGER_FIELDS: Record<TriggerKind, (keyof Trigger)[]> = {
  contact_added: ['channels', 'codes'],
  tagged: ['tag_ids'],
  group_joined: ['chat_ids'],
  group_created: ['chat_ids'],
  tier_reached: ['tier'],
  first_order: [],
  no_order_after_add: ['days', 'channels', 'codes'],
  segment: ['segment'],
  date: ['date', 'segment'],
}

export type DelayUnit = 'minutes' | 'hours' | 'days'
const UNIT_MINUTES: Record<DelayUnit, number> = { minutes: 1, hours: 60, days: 1440 }

/** One step as the editor shows it: "N minutes/hours/days after entering", or "on day N at HH:MM". */
export interface StepForm {
  id: string
  name: string
  timing: 'delay' | 'day'
  amount: number
  unit: DelayUnit
  day: number
  at: string
  content: MessageContent
}

export interface TriggerForm {
  kind: TriggerKind
  channels: string[]
  codes: string[]
  tag_ids: string[]
  chat_ids: string[]
  tier: string
  segment: string
  days: number
  date: string
}

export interface PlanForm {
  id: string
  name: string
  active: boolean
  trigger: TriggerForm
  steps: StepForm[]
  target: Target
  exit_on: ExitOn[]
  allow_reentry: boolean
}

/** The largest whole unit a delay is written in: 2880 → 2 days, 90 → 90 minutes. */
export function splitDelay(minutes: number): { amount: number; unit: DelayUnit } {
  if (minutes > 0 && minutes % 1440 === 0) return { amount: minutes / 1440, unit: 'days' }
  if (minutes > 0 && minutes % 60 === 0) return { amount: minutes / 60, unit: 'hours' }
  return { amount: minutes, unit: 'minutes' }
}

export function delayMinutes(amount: number, unit: DelayUnit): number {
  return Math.round(amount * UNIT_MINUTES[unit])
}

export function stepToForm(step: Step): StepForm {
  const byDay = step.delay_minutes === null || step.delay_minutes === undefined
  const { amount, unit } = splitDelay(step.delay_minutes ?? 0)
  return {
    id: step.id,
    name: step.name ?? '',
    timing: byDay ? 'day' : 'delay',
    amount,
    unit,
    day: step.day ?? 0,
    at: step.at ?? '10:00',
    content: editableContent(step.content),
  }
}

export function formToStep(form: StepForm): Step {
  const byDay = form.timing === 'day'
  return {
    id: form.id,
    name: form.name.trim(),
    delay_minutes: byDay ? null : delayMinutes(form.amount, form.unit),
    day: byDay ? form.day : null,
    at: byDay ? form.at : null,
    content: cleanContent(form.content),
  }
}

/** A step id not yet used in the plan: `s1`, `s2`, … (ids keep a step's funnel figures). */
export function nextStepId(steps: { id: string }[]): string {
  const used = new Set(steps.map((s) => s.id))
  let n = steps.length + 1
  while (used.has(`s${n}`)) n++
  return `s${n}`
}

export function blankStep(steps: { id: string }[]): StepForm {
  return {
    id: nextStepId(steps),
    name: '',
    timing: steps.length ? 'day' : 'delay',
    amount: 0,
    unit: 'minutes',
    day: steps.length,
    at: '10:00',
    content: editableContent(),
  }
}

export function blankTrigger(kind: TriggerKind = 'contact_added'): TriggerForm {
  return { kind, channels: [], codes: [], tag_ids: [], chat_ids: [], tier: '', segment: '', days: 7, date: '' }
}

export function triggerToForm(trigger: Trigger): TriggerForm {
  return {
    kind: trigger.kind,
    channels: [...(trigger.channels ?? [])],
    codes: [...(trigger.codes ?? [])],
    tag_ids: [...(trigger.tag_ids ?? [])],
    chat_ids: [...(trigger.chat_ids ?? [])],
    tier: trigger.tier ?? '',
    segment: trigger.segment ?? '',
    days: trigger.days ?? 7,
    date: trigger.date ?? '',
  }
}

/** The trigger as the API takes it: only the fields its kind uses. */
export function formToTrigger(form: TriggerForm): Trigger {
  const uses = new Set(TRIGGER_FIELDS[form.kind])
  const list = (key: 'channels' | 'codes' | 'tag_ids' | 'chat_ids') =>
    uses.has(key) ? form[key].map((v) => v.trim()).filter(Boolean) : []
  const text = (key: 'tier' | 'segment' | 'date') => (uses.has(key) && form[key].trim() ? form[key].trim() : null)
  return {
    kind: form.kind,
    channels: list('channels'),
    codes: list('codes'),
    tag_ids: list('tag_ids'),
    chat_ids: list('chat_ids'),
    tier: text('tier'),
    segment: text('segment'),
    days: uses.has('days') ? form.days : null,
    date: text('date'),
  }
}

export function newPlanId(now: Date = new Date()): string {
  const day = corpToday(now).replace(/-/g, '')
  return `plan-${day}-${Math.random().toString(36).slice(2, 6)}`
}

export function blankPlan(): PlanForm {
  return {
    id: newPlanId(),
    name: '',
    active: true,
    trigger: blankTrigger(),
    steps: [blankStep([])],
    target: 'private',
    exit_on: ['deleted'],
    allow_reentry: false,
  }
}

export function planToForm(plan: Plan): PlanForm {
  return {
    id: plan.id,
    name: plan.name,
    active: plan.active ?? true,
    trigger: triggerToForm(plan.trigger),
    steps: plan.steps.map(stepToForm),
    target: plan.target ?? 'private',
    exit_on: [...(plan.exit_on ?? [])],
    allow_reentry: plan.allow_reentry ?? false,
  }
}

export function formToPlan(form: PlanForm): PlanIn {
  return {
    name: form.name.trim(),
    trigger: formToTrigger(form.trigger),
    steps: form.steps.map(formToStep),
    target: form.target,
    exit_on: [...form.exit_on],
    allow_reentry: form.allow_reentry,
    active: form.active,
  }
}

/** A group SOP (groups receive it) is triggered by a group event; a group_created trigger
 * can only feed one. */
export function targetsFor(kind: TriggerKind): Target[] {
  if (kind === 'group_created') return ['group']
  if (kind === 'group_joined') return ['private', 'group']
  return ['private', 'moment']
}

/** Every form field a 400 on a plan may name. */
export function planFields(): string[] {
  const fields = ['id', 'name', 'trigger', 'target', 'exit_on', 'allow_reentry', 'active', 'steps']
  for (const key of ['kind', 'channels', 'codes', 'tag_ids', 'chat_ids', 'tier', 'segment', 'days', 'date']) {
    fields.push(`trigger.${key}`)
  }
  for (let n = 0; n < MAX_STEPS; n++) {
    fields.push(`steps.${n}`, `steps.${n}.id`, `steps.${n}.name`, `steps.${n}.delay_minutes`, `steps.${n}.day`, `steps.${n}.at`)
    fields.push(...contentFields(`steps.${n}.content`))
  }
  return fields
}

/** A plan-wide refusal ("a group_created trigger needs target group", "step ids must be
 * unique") belongs to the field it speaks of. */
export function fieldOfPlanMessage(message: string): string | null {
  if (/\btarget\b|group SOP/.test(message)) return 'target'
  if (/\bstep/.test(message)) return 'steps'
  if (/\btrigger\b/.test(message)) return 'trigger'
  return null
}

/** Client-side checks the API would refuse anyway, so the person sees them before saving. */
export function checkPlan(form: PlanForm, isNew: boolean): Record<string, string> {
  const problems: Record<string, string> = {}
  if (isNew && !PLAN_ID.test(form.id)) problems.id = 'sop.errors.planId'
  if (!form.name.trim()) problems.name = 'sop.errors.name'
  if (!form.steps.length) problems.steps = 'sop.errors.noSteps'
  form.steps.forEach((step, n) => {
    if (!STEP_ID.test(step.id)) problems[`steps.${n}.id`] = 'sop.errors.stepId'
    if (step.timing === 'day' && !HHMM.test(step.at)) problems[`steps.${n}.at`] = 'sop.errors.at'
    if (step.timing === 'delay' && delayMinutes(step.amount, step.unit) > MAX_DELAY_MINUTES) {
      problems[`steps.${n}.delay_minutes`] = 'sop.errors.delay'
    }
    if (!(step.content.text ?? '').trim() && !(step.content.attachments ?? []).length) {
      problems[`steps.${n}.content.text`] = 'sop.errors.content'
    }
  })
  return problems
}
