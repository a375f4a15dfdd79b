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

export const MAX_ACTIVE = 5
