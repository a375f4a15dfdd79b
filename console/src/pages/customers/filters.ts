import type { components } from '@/api/schema'

export type Filter = components['schemas']['Filter']
/** A filter with only the conditions set (the API fills in the rest). */
export type FilterBody = Partial<Filter>
export type DirectoryRow = components['schemas']['DirectoryRow']
export type SearchOut = components['schemas']['SearchOut']
export type Sort = components['schemas']['SearchIn']['sort']

/** What the customer list's filter bar holds. */
export interface FilterForm {
  text: string
  staff: string[]
  channels: string[]
  tags: string[]
  status: '' | 'following' | 'lost'
  segments: string[]
  tiers: string[]
  /** [from, to] as epoch milliseconds (the date picker), or null. */
  added: [number, number] | null
  minSpendYuan: number | null
  minOrders: number | null
}

export function emptyFilterForm(): FilterForm {
  return { text: '', staff: [], channels: [], tags: [], status: '', segments: [], tiers: [], added: null, minSpendYuan: null, minOrders: null }
}

const DAY_S = 86_400

/** The directory's filter for the form: only the conditions set (an empty filter matches
 * every customer). The added range covers the whole last day. */
export function filterFromForm(form: FilterForm): FilterBody {
  const filter: FilterBody = {}
  const text = form.text.trim()
  if (text) filter.text = text.slice(0, 64)
  if (form.staff.length) filter.staff = [...form.staff]
  if (form.channels.length) filter.channels = [...form.channels]
  if (form.tags.length) filter.tags = { any_of: [...form.tags], all_of: [], none_of: [] }
  if (form.status) filter.status = form.status
  if (form.segments.length) filter.segments = [...form.segments]
  if (form.tiers.length) filter.tiers = [...form.tiers]
  if (form.added) {
    const from = Math.floor(form.added[0] / 1000)
    const to = Math.floor(form.added[1] / 1000)
    filter.added = { min: from, max: to + DAY_S - 1 }
  }
  if (form.minSpendYuan != null && form.minSpendYuan > 0) filter.spend_cents = { min: Math.round(form.minSpendYuan * 100), max: null }
  if (form.minOrders != null && form.minOrders > 0) filter.orders = { min: form.minOrders, max: null }
  return filter
}

/** How many conditions the filter holds (shown on the "filters" button). */
export function conditionCount(filter: FilterBody): number {
  return Object.keys(filter).length
}
