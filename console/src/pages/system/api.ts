import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'

export type Person = components['schemas']['Person']
export type Grant = components['schemas']['Grant']
export type SessionInfo = components['schemas']['SessionInfo']
export type ApiKey = components['schemas']['ApiKey']
export type NewApiKey = components['schemas']['NewApiKey']
export type CreatedApiKey = components['schemas']['CreatedApiKey']
export type AuditEntry = components['schemas']['AuditEntry']
export type Role = Person['role']
export type ScopeKind = Grant['scope']

export const ROLES: Role[] = ['staff', 'viewer', 'operator', 'admin']
export const SCOPES: NonNullable<ScopeKind>[] = ['own', 'departments', 'all']

export async function people(): Promise<Person[]> {
  return ((await unwrap(api.GET('/admin/people'))) as { items: Person[] }).items
}

export async function grant(userid: string, body: Grant): Promise<Person> {
  return (await unwrap(api.PUT('/admin/people/{userid}', { params: { path: { userid } }, body }))) as Person
}

export async function revoke(userid: string): Promise<Person> {
  return (await unwrap(api.DELETE('/admin/people/{userid}', { params: { path: { userid } } }))) as Person
}

export async function sessions(userid: string): Promise<SessionInfo[]> {
  const answer = await unwrap(api.GET('/admin/people/{userid}/sessions', { params: { path: { userid } } }))
  return (answer as { items: SessionInfo[] }).items
}

export async function endSessions(userid: string): Promise<void> {
  await unwrap(api.DELETE('/admin/people/{userid}/sessions', { params: { path: { userid } } }))
}

export async function apiKeys(): Promise<ApiKey[]> {
  return ((await unwrap(api.GET('/admin/api-keys'))) as { items: ApiKey[] }).items
}

export async function createApiKey(body: NewApiKey): Promise<CreatedApiKey> {
  return (await unwrap(api.POST('/admin/api-keys', { body }))) as CreatedApiKey
}

export async function revokeApiKey(keyId: string): Promise<ApiKey> {
  return (await unwrap(api.DELETE('/admin/api-keys/{key_id}', { params: { path: { key_id: keyId } } }))) as ApiKey
}

export interface AuditQuery {
  from: string
  to: string
  limit: number
  cursor?: string | null
}

export interface AuditAnswer {
  items: AuditEntry[]
  truncated?: boolean
  next_cursor?: string | null
}

export async function audit(query: AuditQuery): Promise<AuditAnswer> {
  const params = { query: Object.fromEntries(Object.entries(query).filter(([, v]) => v !== null && v !== undefined && v !== '')) }
  return (await unwrap(api.GET('/admin/audit', { params } as never))) as AuditAnswer
}

/** "1, 3" → [1, 3]; anything that is not a positive whole number is left out. */
export function parseDepartments(text: string): number[] {
  return [...new Set(text.split(/[\s,，]+/).map((part) => Number(part)).filter((n) => Number.isInteger(n) && n > 0))]
}

/** The body a grant form sends: departments only for the departments scope. */
export function grantBody(role: Role, scope: NonNullable<ScopeKind>, departments: string): Grant {
  return { role, scope, departments: scope === 'departments' ? parseDepartments(departments) : [] }
}

/** Whole days from now until `epoch` seconds (0 when past). */
export function daysLeft(epoch: number, now: number = Date.now() / 1000): number {
  return Math.max(0, Math.ceil((epoch - now) / 86400))
}
