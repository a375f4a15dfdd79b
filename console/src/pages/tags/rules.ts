import type { components } from '@/api/schema'

export type CorpTag = components['schemas']['CorpTag']
export type TagRule = components['schemas']['TagRule']
export type TagRuleIn = components['schemas']['TagRuleIn']

export const RULE_ID = /^[A-Za-z0-9_-]{1,64}$/
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const

/** The catalogue grouped as WeCom shows it: groups by name, tags in their order. */
export interface TagGroup {
  group_id: string
  group_name: string
  tags: CorpTag[]
}

export function groupTags(tags: CorpTag[]): TagGroup[] {
  const groups = new Map<string, TagGroup>()
  for (const tag of tags) {
    const group = groups.get(tag.group_id) ?? { group_id: tag.group_id, group_name: tag.group_name, tags: [] }
    group.tags.push(tag)
    groups.set(tag.group_id, group)
  }
  return [...groups.values()]
    .map((g) => ({ ...g, tags: [...g.tags].sort((a, b) => (a.order ?? 0) - (b.order ?? 0) || a.name.localeCompare(b.name)) }))
    .sort((a, b) => a.group_name.localeCompare(b.group_name))
}

/** The rule editor's form: every condition switchable, "any" when off. */
export interface RuleForm {
  rule_id: string
  name: string
  tag_ids: string[]
  enabled: boolean
  channel: string
  code: string
  gender: '' | 0 | 1 | 2
  weekdays: number[]
  useHours: boolean
  start: number
  end: number
}

export function blankRule(): RuleForm {
  return { rule_id: '', name: '', tag_ids: [], enabled: true, channel: '', code: '', gender: '', weekdays: [], useHours: false, start: 9, end: 18 }
}

export function ruleToForm(rule: TagRule): RuleForm {
  return {
    rule_id: rule.rule_id,
    name: rule.name ?? '',
    tag_ids: [...(rule.tag_ids ?? [])],
    enabled: rule.enabled ?? true,
    channel: rule.channel ?? '',
    code: rule.code ?? '',
    gender: rule.gender ?? '',
    weekdays: [...(rule.weekdays ?? [])],
    useHours: !!rule.hours,
    start: rule.hours?.start ?? 9,
    end: rule.hours?.end ?? 18,
  }
}

/** The body of `PUT /admin/tag-rules/{rule_id}`: a condition switched off is `null` (any). */
export function formToRule(form: RuleForm): TagRuleIn {
  return {
    name: form.name.trim(),
    tag_ids: [...form.tag_ids],
    enabled: form.enabled,
    channel: form.channel.trim() || null,
    code: form.code.trim() || null,
    gender: form.gender === '' ? null : form.gender,
    weekdays: form.weekdays.length ? [...form.weekdays].sort((a, b) => a - b) : null,
    hours: form.useHours ? { start: form.start, end: form.end } : null,
  }
}

const pad = (n: number) => `${String(n).padStart(2, '0')}:00`

/** `22:00–06:00 (next day)`: the window as people say it; `end` 24 is midnight. */
export function describeHours(hours: { start: number; end: number } | null | undefined, nextDay: string): string {
  if (!hours) return ''
  const crosses = hours.start > hours.end
  return `${pad(hours.start)}–${pad(hours.end)}${crosses ? ` ${nextDay}` : ''}`
}

/** Consecutive weekdays as ranges: [1,2,3,4,5,7] → [[1,5],[7,7]]. */
export function weekdayRanges(days: number[]): [number, number][] {
  const sorted = [...new Set(days)].sort((a, b) => a - b)
  const ranges: [number, number][] = []
  for (const day of sorted) {
    const last = ranges[ranges.length - 1]
    if (last && last[1] === day - 1) last[1] = day
    else ranges.push([day, day])
  }
  return ranges
}
