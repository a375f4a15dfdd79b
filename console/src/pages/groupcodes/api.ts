import { api, request, unwrap } from '@/api/client'
import type { components } from '@/api/schema'

export type GroupCode = components['schemas']['GroupCode']
export type GroupCodeIn = components['schemas']['GroupCodeIn']
export type GroupCodeStats = components['schemas']['GroupCodeStats']
export type Group = components['schemas']['Group']

export const listGroupCodes = (): Promise<GroupCode[]> => unwrap(api.GET('/admin/group-codes')).then((p) => p.items)
export const getGroupCode = (code: string): Promise<GroupCode> =>
  unwrap(api.GET('/admin/group-codes/{code}', { params: { path: { code } } }))
export const putGroupCode = (code: string, body: GroupCodeIn): Promise<GroupCode> =>
  unwrap(api.PUT('/admin/group-codes/{code}', { params: { path: { code } }, body }))
export const deleteGroupCode = (code: string): Promise<unknown> =>
  unwrap(api.DELETE('/admin/group-codes/{code}', { params: { path: { code } } }))
export const groupCodeStats = (code: string, day: string): Promise<GroupCodeStats> =>
  request<GroupCodeStats>(`/admin/group-codes/${encodeURIComponent(code)}/stats?day=${day}`)

/** The first 200 customer groups (newest first as the API lists them), for the picker. */
export const listGroups = (): Promise<Group[]> =>
  request<{ items: Group[] }>('/admin/groups?limit=200').then((p) => p.items)

/** The days from `days - 1` days ago to today, oldest first. */
export function recentDays(days: number, today: Date = new Date()): string[] {
  const pad = (n: number): string => String(n).padStart(2, '0')
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(today)
    day.setDate(day.getDate() - (days - 1 - i))
    return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`
  })
}

export const MAX_ACTIVE = 5
