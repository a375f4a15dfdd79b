import type { LiveCode, LiveCodeIn } from './api'
import type { Schedule, Window } from './schedule'
import { CHANNEL_PATTERN, CODE_PATTERN } from './api'

export type Mode = LiveCodeIn['mode']
export type Landing = LiveCodeIn['landing']

export interface StaffRow {
  userid: string
  weight: number
  /** null: no cap. */
  daily_cap: number | null
  /** null: any time. */
  schedule: Schedule | null
  special_dates: Record<string, Window[]>
}

/** What the live code form edits. */
export interface LiveCodeForm {
  code: string
  name: string
  mode: Mode
  staff: StaffRow[]
  backup: string[]
  channels: string[]
  welcome_text: string
  tag_ids: string[]
  /** Epoch milliseconds (the date picker's value), null: never expires. */
  expires_at: number | null
  landing: Landing
  title: string
  hint: string
  skip_verify: boolean
  printed: boolean
  scan_allowance: number
  /** Kept as loaded (not edited here): a shop's code, a referral code's referrer. */
  store_id: string | null
  referrer: string | null
}

export function emptyForm(): LiveCodeForm {
  return {
    code: '',
    name: '',
    mode: 'round_robin',
    staff: [],
    backup: [],
    channels: ['default'],
    welcome_text: '',
    tag_ids: [],
    expires_at: null,
    landing: 'redirect',
    title: '',
    hint: '',
    skip_verify: true,
    printed: false,
    scan_allowance: 1,
    store_id: null,
    referrer: null,
  }
}

export function newStaffRow(userid = ''): StaffRow {
  return { userid, weight: 1, daily_cap: null, schedule: null, special_dates: {} }
}

export function formFromCode(code: LiveCode): LiveCodeForm {
  return {
    code: code.code,
    name: code.name ?? '',
    mode: code.mode ?? 'round_robin',
    staff: code.staff.map((s) => ({
      userid: s.userid,
      weight: s.weight ?? 1,
      daily_cap: s.daily_cap ?? null,
      schedule: s.schedule ?? null,
      special_dates: { ...(s.special_dates ?? {}) },
    })),
    backup: [...(code.backup ?? [])],
    channels: [...(code.channels ?? ['default'])],
    welcome_text: code.welcome_text ?? '',
    tag_ids: [...(code.tag_ids ?? [])],
    expires_at: code.expires_at ? code.expires_at * 1000 : null,
    landing: code.landing ?? 'redirect',
    title: code.title ?? '',
    hint: code.hint ?? '',
    skip_verify: code.skip_verify ?? true,
    printed: code.printed ?? false,
    scan_allowance: code.scan_allowance ?? 1,
    store_id: code.store_id ?? null,
    referrer: code.referrer ?? null,
  }
}

/** The `PUT /admin/live-codes/{code}` body (only the fields the API takes). */
export function bodyFromForm(form: LiveCodeForm): LiveCodeIn {
  const body: LiveCodeIn = {
    name: form.name.trim(),
    mode: form.mode,
    staff: form.staff.map((row) => ({
      userid: row.userid,
      weight: form.mode === 'weighted' ? row.weight : 1,
      daily_cap: row.daily_cap ?? null,
      schedule: row.schedule,
      special_dates: row.special_dates,
    })),
    backup: form.backup.filter((userid) => !form.staff.some((row) => row.userid === userid)),
    channels: form.channels,
    skip_verify: form.skip_verify,
    welcome_text: form.welcome_text.trim() || null,
    tag_ids: form.tag_ids,
    expires_at: form.expires_at ? Math.floor(form.expires_at / 1000) : null,
    landing: form.landing,
    title: form.landing === 'page' ? form.title.trim() : '',
    hint: form.landing === 'page' ? form.hint.trim() : '',
    scan_allowance: form.scan_allowance,
    printed: form.printed,
    store_id: form.store_id,
    referrer: form.referrer,
  }
  return body
}

/** Checks the API would refuse anyway, in the person's language before sending: field → i18n
 * key (with values). Empty when the form may be sent. */
export function checkForm(form: LiveCodeForm, isNew: boolean): Record<string, { key: string; values?: Record<string, unknown> }> {
  const problems: Record<string, { key: string; values?: Record<string, unknown> }> = {}
  if (isNew && !CODE_PATTERN.test(form.code)) problems.code = { key: 'livecodes.check.code' }
  if (!form.staff.length) problems.staff = { key: 'livecodes.check.staffNone' }
  else if (form.staff.some((row) => !row.userid)) problems.staff = { key: 'livecodes.check.staffEmpty' }
  else {
    const seen = new Set<string>()
    for (const row of form.staff) {
      if (seen.has(row.userid)) problems.staff = { key: 'livecodes.check.staffTwice', values: { userid: row.userid } }
      seen.add(row.userid)
    }
  }
  if (!form.channels.length) problems.channels = { key: 'livecodes.check.channelNone' }
  const bad = form.channels.find((channel) => !CHANNEL_PATTERN.test(channel))
  if (bad !== undefined) problems.channels = { key: 'livecodes.check.channel', values: { channel: bad } }
  if (form.landing === 'page' && form.title.length > 64) problems.title = { key: 'livecodes.check.title' }
  return problems
}

/** The member's name for a userid, or the userid itself. */
export function memberName(members: { userid: string; name: string }[], userid: string): string {
  return members.find((m) => m.userid === userid)?.name ?? userid
}
