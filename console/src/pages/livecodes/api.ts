import { api, request, unwrap } from '@/api/client'
import { ApiError, NetworkError } from '@/api/errors'
import type { components } from '@/api/schema'

export type LiveCode = components['schemas']['LiveCode']
export type LiveCodeIn = components['schemas']['LiveCodeIn']
export type StaffIn = components['schemas']['StaffIn']
export type CodeStats = components['schemas']['CodeStats']
export type CorpMember = components['schemas']['CorpMember']
export type CorpTag = components['schemas']['CorpTag']

export function listCodes(): Promise<LiveCode[]> {
  return unwrap(api.GET('/admin/live-codes')).then((page) => page.items)
}

export function getCode(code: string): Promise<LiveCode> {
  return unwrap(api.GET('/admin/live-codes/{code}', { params: { path: { code } } }))
}

export function putCode(code: string, body: LiveCodeIn): Promise<LiveCode> {
  return unwrap(api.PUT('/admin/live-codes/{code}', { params: { path: { code } }, body }))
}

export function deleteCode(code: string): Promise<unknown> {
  return unwrap(api.DELETE('/admin/live-codes/{code}', { params: { path: { code } } }))
}

export function codeStats(code: string, from: string, to: string): Promise<CodeStats> {
  const query = new URLSearchParams({ from, to })
  return request<CodeStats>(`/admin/live-codes/${encodeURIComponent(code)}/stats?${query}`)
}

/** The corp's WeCom members, for staff pickers (the API keeps them five minutes). */
export function listMembers(refresh = false): Promise<CorpMember[]> {
  return request<{ items: CorpMember[] }>(`/admin/wecom/members${refresh ? '?refresh=1' : ''}`).then((page) => page.items)
}

export function listTags(): Promise<CorpTag[]> {
  return unwrap(api.GET('/admin/tags')).then((page) => page.items)
}

export type QrFormat = 'svg' | 'png'

/** The QR image of one channel, as a Blob (the API answers PNG only when asked for it). */
export async function qrImage(code: string, channel: string, format: QrFormat): Promise<Blob> {
  const query = new URLSearchParams({ channel })
  let response: Response
  try {
    response = await fetch(`/api/admin/live-codes/${encodeURIComponent(code)}/qr.${format}?${query}`, {
      credentials: 'same-origin',
      headers: { Accept: format === 'png' ? 'image/png' : 'image/svg+xml' },
    })
  } catch (cause) {
    throw new NetworkError(cause)
  }
  if (!response.ok) {
    let body: unknown = {}
    try {
      body = await response.json()
    } catch {
      body = {}
    }
    const record = body as { error?: string; message?: string }
    throw new ApiError(response.status, record.error ?? `http_${response.status}`, record.message ?? `HTTP ${response.status}`)
  }
  return response.blob()
}

/** Saves a Blob under `name` (a download the browser offers). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** `YYYY-MM-DD` of a Date in local time. */
export const CODE_PATTERN = /^[a-z0-9]{1,10}$/
export const CHANNEL_PATTERN = /^[a-z0-9_-]{1,16}$/

export type WelcomeMessage = components['schemas']['WelcomeMessage']

/** Every channel's welcome (the list, so a channel without one is no error). */
export function listWelcomes(): Promise<WelcomeMessage[]> {
  return unwrap(api.GET('/admin/welcome-messages')).then((page) => page.items)
}

/** Sets a channel's welcome text, keeping its attachments. */
export function putWelcome(channel: string, text: string, attachments: WelcomeMessage['attachments']): Promise<WelcomeMessage> {
  return unwrap(
    api.PUT('/admin/welcome-messages/{channel}', { params: { path: { channel } }, body: { text, attachments: attachments ?? [] } }),
  )
}
