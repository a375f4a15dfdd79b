import { corpDateTime } from '@/components/days'
import { api, request, unwrap } from '@/api/client'
import type { components } from '@/api/schema'

export type Contact = components['schemas']['Contact']
export type Relationship = components['schemas']['Relationship']
export type StaffContact = components['schemas']['StaffContact']
export type TimelineEntry = components['schemas']['TimelineEntry']
export type Account = components['schemas']['Account']
export type LedgerEntry = components['schemas']['LedgerEntry']
export type Membership = components['schemas']['Membership']
export type ContactScreening = components['schemas']['ContactScreening']
export type MemberOf = components['schemas']['MemberOf']
export type Order = components['schemas']['Order']
export type CorpTag = components['schemas']['CorpTag']
export type CorpMember = components['schemas']['CorpMember']
export type ContactTagsIn = components['schemas']['ContactTagsIn']

const path = (id: string) => ({ params: { path: { external_userid: id } } })

export const getContact = (id: string): Promise<Contact> => unwrap(api.GET('/admin/contacts/{external_userid}', path(id)))

export const getTimeline = (id: string): Promise<TimelineEntry[]> =>
  request<{ items: TimelineEntry[] }>(`/admin/contacts/${encodeURIComponent(id)}/timeline?limit=100`).then((p) => p.items)

export const getOrders = (id: string): Promise<Order[]> =>
  unwrap(api.GET('/admin/contacts/{external_userid}/orders', path(id))).then((p) => p.items)

export const getPoints = (id: string): Promise<Account> =>
  unwrap(api.GET('/admin/contacts/{external_userid}/points', path(id)))

export const getTier = (id: string): Promise<Membership> => unwrap(api.GET('/admin/contacts/{external_userid}/tier', path(id)))

export const getScreening = (id: string): Promise<ContactScreening> =>
  unwrap(api.GET('/admin/screening/contacts/{external_userid}', path(id)))

export const getGroups = (id: string): Promise<MemberOf[]> =>
  unwrap(api.GET('/admin/contacts/{external_userid}/groups', path(id))).then((p) => p.items)

export const redeem = (id: string, body: components['schemas']['RedeemIn']): Promise<LedgerEntry> =>
  unwrap(api.POST('/admin/contacts/{external_userid}/points/redeem', { ...path(id), body }))

export const adjust = (id: string, body: components['schemas']['AdjustIn']): Promise<LedgerEntry> =>
  unwrap(api.POST('/admin/contacts/{external_userid}/points/adjust', { ...path(id), body }))

export const editTags = (id: string, body: ContactTagsIn): Promise<Contact> =>
  unwrap(api.POST('/admin/contacts/{external_userid}/tags', { ...path(id), body }))

export const staffContacts = (userid: string, limit: number): Promise<StaffContact[]> =>
  request<{ items: StaffContact[] }>(`/admin/staff/${encodeURIComponent(userid)}/contacts?limit=${limit}`).then((p) => p.items)

export const listTags = (): Promise<CorpTag[]> => unwrap(api.GET('/admin/tags')).then((p) => p.items)

export const listMembers = (): Promise<CorpMember[]> =>
  request<{ items: CorpMember[] }>('/admin/wecom/members').then((p) => p.items)

export function when(at: number | null | undefined, unit: 's' | 'ms' = 's'): string {
  if (!at) return '—'
  return corpDateTime(unit === 's' ? at * 1000 : at)
}

export function money(cents: number | null | undefined, currency = 'CNY'): string {
  if (cents == null) return '—'
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100)
  } catch {
    return (cents / 100).toFixed(2)
  }
}

export const searchDirectory = (
  filter: import('./filters').FilterBody,
  sort: import('./filters').Sort,
  order: 'asc' | 'desc',
  cursor: string | null,
  limit: number,
): Promise<import('./filters').SearchOut> =>
  request<import('./filters').SearchOut>('/admin/directory/search', {
    method: 'POST',
    json: { filter, sort, order, cursor, limit },
  })
