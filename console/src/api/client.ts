import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from '@/api/schema'
import { NetworkError, toApiError } from '@/api/errors'

export { ApiError, NetworkError } from '@/api/errors'

/** Every call goes to the API through the console's own origin, under `/api`. */
export const API_BASE = '/api'
export const CSRF_COOKIE = 'scrm_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return null
}

/** A console path to come back to after signing in: relative and on this origin only. */
export function safeNext(path: string | null | undefined): string {
  if (!path || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/'
  if (path.startsWith('/signin')) return '/'
  return path
}

type UnauthorizedHandler = (next: string) => void

let onUnauthorized: UnauthorizedHandler = (next) => {
  window.location.assign(`/signin?next=${encodeURIComponent(next)}`)
}

/** What happens on a 401 (the app sends the person to sign-in through its router). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler
}

function currentPath(): string {
  return safeNext(window.location.pathname + window.location.search)
}

/** Adds the CSRF header to writes and sends the person to sign-in on 401. */
export const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      const token = readCookie(CSRF_COOKIE)
      if (token) request.headers.set(CSRF_HEADER, token)
    }
    return request
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url, window.location.href).pathname.endsWith('/auth/me')) {
      onUnauthorized(currentPath())
    }
    return response
  },
}

/** The typed client of the admin API (types generated from its OpenAPI document). */
export const api = createClient<paths>({
  baseUrl: API_BASE,
  credentials: 'same-origin',
  fetch: (input: Request) => globalThis.fetch(input), // looked up per call (tests replace it)
})
api.use(sessionMiddleware)

interface Answer<T> {
  data?: T
  error?: unknown
  response: Response
}

/** The data of an answer, or a typed error: `const codes = await unwrap(api.GET('/admin/live-codes'))`. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>
  try {
    answer = await call
  } catch (cause) {
    throw new NetworkError(cause)
  }
  if (!answer.response.ok) throw toApiError(answer.response.status, answer.error)
  return answer.data as T
}

/** A call to a route outside the admin document (`/auth/*`), with the same rules. */
export async function request<T>(
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<T> {
  const method = (init.method ?? 'GET').toUpperCase()
  const headers = new Headers(init.headers)
  headers.set('Accept', 'application/json')
  let body = init.body
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    body = JSON.stringify(init.json)
  }
  if (!SAFE_METHODS.has(method)) {
    const token = readCookie(CSRF_COOKIE)
    if (token) headers.set(CSRF_HEADER, token)
  }
  let response: Response
  try {
    response = await fetch(`${API_BASE}${path}`, { ...init, method, headers, body, credentials: 'same-origin' })
  } catch (cause) {
    throw new NetworkError(cause)
  }
  const text = await response.text()
  let parsed: unknown = undefined
  if (text) {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = { message: text }
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/auth/me')) onUnauthorized(currentPath())
    throw toApiError(response.status, parsed)
  }
  return parsed as T
}

