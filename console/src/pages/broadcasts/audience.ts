import type { components } from '@/api/schema'
import { corpToday } from '@/components/days'
import { cleanContent, editableContent, type MessageContent } from '@/components/messageContent'

export type BroadcastIn = components['schemas']['BroadcastIn']
export type BroadcastReport = components['schemas']['BroadcastReport']
export type Target = BroadcastIn['target']

/** The API's id rule (`chalicelib/broadcasts/models.py`). */
export const BROADCAST_ID = /^[a-z0-9][a-z0-9-]{0,44}$/

/** Who receives a broadcast, as the compose form offers it: a tag circle (customers of some
 * staff members carrying any of some tags), a screening segment, a saved directory audience
 * (when the API takes one), customer groups, or staff members' Moments. */
export type AudienceKind = 'tags' | 'segment' | 'saved' | 'groups' | 'moment'

export interface ComposeForm {
  id: string
  name: string
  kind: AudienceKind
  tag_ids: string[]
  senders: string[]
  segment: string
  audience_id: string
  chat_ids: string[]
  content: MessageContent
  when: 'now' | 'later'
  /** Epoch milliseconds of the chosen time (the date picker's value). */
  send_at_ms: number | null
}

export function targetOf(kind: AudienceKind): Target {
  if (kind === 'groups') return 'group'
  if (kind === 'moment') return 'moment'
  return 'private'
}

export function newBroadcastId(now: Date = new Date()): string {
  const day = corpToday(now).replace(/-/g, '')
  return `b-${day}-${Math.random().toString(36).slice(2, 6)}`
}

export function blankCompose(): ComposeForm {
  return {
    id: newBroadcastId(),
    name: '',
    kind: 'tags',
    tag_ids: [],
    senders: [],
    segment: '',
    audience_id: '',
    chat_ids: [],
    content: editableContent(),
    when: 'now',
    send_at_ms: null,
  }
}

/** The body of `PUT /admin/broadcasts/{id}`: only the audience fields its kind uses;
 * `send_at` in epoch seconds, or null to send now. */
export function formToBroadcast(form: ComposeForm): BroadcastIn & { audience: { audience_id?: string | null } } {
  const kind = form.kind
  const audience: BroadcastIn['audience'] & { audience_id?: string | null } = {
    segment: kind === 'segment' ? form.segment || null : null,
    tag_ids: kind === 'tags' ? [...form.tag_ids] : [],
    senders: kind === 'tags' || kind === 'moment' ? form.senders.map((s) => s.trim()).filter(Boolean) : [],
    chat_ids: kind === 'groups' ? [...form.chat_ids] : [],
  }
  if (kind === 'saved') audience.audience_id = form.audience_id || null
  return {
    name: form.name.trim(),
    target: targetOf(kind),
    audience,
    content: cleanContent(form.content),
    send_at: form.when === 'later' && form.send_at_ms ? Math.floor(form.send_at_ms / 1000) : null,
  }
}

/** The kind of audience a stored broadcast was sent to. */
export function kindOf(broadcast: Pick<BroadcastIn, 'target' | 'audience'>): AudienceKind {
  if (broadcast.target === 'group') return 'groups'
  if (broadcast.target === 'moment') return 'moment'
  const audience = broadcast.audience as BroadcastIn['audience'] & { audience_id?: string | null }
  if (audience.audience_id) return 'saved'
  if (audience.segment) return 'segment'
  return 'tags'
}

/** Whether the API's own description says broadcasts take a saved audience. */
export function offersSavedAudience(openapi: unknown): boolean {
  const doc = openapi as { components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> } }
  return Boolean(doc?.components?.schemas?.Audience?.properties?.audience_id)
}

/** A refusal of the whole broadcast ("a private broadcast needs …", "the audience is
 * empty …") belongs to the audience; one about the time to `send_at`. */
export function fieldOfBroadcastMessage(message: string): string | null {
  if (/audience|segment|tag_ids|senders|chat_ids|recipients/i.test(message)) return 'audience'
  if (/send_at/.test(message)) return 'send_at'
  return null
}

/** Client-side checks before sending, as translation keys by field. */
export function checkCompose(form: ComposeForm, now: number = Date.now()): Record<string, string> {
  const problems: Record<string, string> = {}
  if (!BROADCAST_ID.test(form.id)) problems.id = 'broadcasts.errors.id'
  if (!form.name.trim()) problems.name = 'broadcasts.errors.name'
  if (form.kind === 'tags' && (!form.tag_ids.length || !form.senders.length)) problems.audience = 'broadcasts.errors.tags'
  if (form.kind === 'segment' && !form.segment) problems.audience = 'broadcasts.errors.segment'
  if (form.kind === 'saved' && !form.audience_id) problems.audience = 'broadcasts.errors.saved'
  if (form.kind === 'groups' && !form.chat_ids.length) problems.audience = 'broadcasts.errors.groups'
  if (form.kind === 'moment' && !form.senders.length) problems.audience = 'broadcasts.errors.moment'
  if (form.when === 'later' && (!form.send_at_ms || form.send_at_ms <= now)) problems.send_at = 'broadcasts.errors.sendAt'
  if (!(form.content.text ?? '').trim() && !(form.content.attachments ?? []).length) problems['content.text'] = 'broadcasts.errors.content'
  return problems
}

/** Where a broadcast stands: scheduled (not yet due), sending, sent, or cancelled. */
export function statusOf(report: Pick<BroadcastReport, 'send_at' | 'recipients' | 'funnel'>, nowSeconds: number): 'scheduled' | 'sending' | 'sent' {
  if (report.send_at && report.send_at > nowSeconds) return 'scheduled'
  const step = report.funnel.steps[0]
  const done = (step?.sent ?? 0) + (step?.failed_not_friend ?? 0) + (step?.failed_capped ?? 0) + (step?.exited ?? 0)
  return step && done >= (report.recipients || step.targeted || 0) && done > 0 ? 'sent' : 'sending'
}
