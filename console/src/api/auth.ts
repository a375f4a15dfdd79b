import { ApiError, request } from '@/api/client'
import type { Role } from '@/roles'

/** `GET /auth/me`: who is signed in (the sign-in contract; not part of the admin document). */
export interface Person {
  userid: string
  name: string
  role: Role
  scope: { kind: 'own' | 'departments' | 'all'; departments?: number[] | string[] }
  expires_at?: string | number
  /** The corp's time zone: the days every figure is counted by. */
  timezone?: string
}

/** The signed-in person, or null when no session is open (401). */
export async function fetchMe(): Promise<Person | null> {
  try {
    return await request<Person>('/auth/me')
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null
    throw error
  }
}

export async function logout(): Promise<void> {
  await request<void>('/auth/logout', { method: 'POST' })
}

/** Where the "Sign in with WeCom" button goes: the API starts WeCom's web login. */
export function wecomLoginUrl(next: string): string {
  return `/api/auth/wecom/login?next=${encodeURIComponent(next)}`
}
