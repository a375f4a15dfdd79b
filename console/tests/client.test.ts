import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, api, readCookie, request, safeNext, setUnauthorizedHandler, unwrap } from '@/api/client'
import { toApiError } from '@/api/errors'

function answer(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

describe('the API client', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  let sentTo: string[] = []

  beforeEach(() => {
    sentTo = []
    setUnauthorizedHandler((next) => sentTo.push(next))
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    document.cookie = 'scrm_csrf=tok%2B123; path=/'
  })
  afterEach(() => vi.unstubAllGlobals())

  it('sends the CSRF cookie back as a header on writes, never on reads', async () => {
    fetchMock.mockResolvedValueOnce(answer(204, undefined)).mockResolvedValueOnce(answer(200, { items: [] }))
    await unwrap(api.DELETE('/admin/live-codes/{code}', { params: { path: { code: 'x' } } }))
    await unwrap(api.GET('/admin/live-codes'))
    const [write, read] = fetchMock.mock.calls.map(([req]) => req as Request)
    expect(write.method).toBe('DELETE')
    expect(write.url).toMatch(/\/api\/admin\/live-codes\/x$/)
    expect(write.headers.get('X-CSRF-Token')).toBe('tok+123')
    expect(write.credentials).toBe('same-origin')
    expect(read.headers.get('X-CSRF-Token')).toBeNull()
  })

  it("turns the API's {error, message} into a typed error", async () => {
    fetchMock.mockResolvedValueOnce(answer(409, { error: 'conflict', message: 'code exists' }))
    const error = await unwrap(api.GET('/admin/live-codes')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 409, code: 'conflict', message: 'code exists' })
  })

  it('sends the person to sign-in on 401, with the page to come back to', async () => {
    window.history.pushState({}, '', '/live-codes?page=2')
    fetchMock.mockResolvedValueOnce(answer(401, { error: 'unauthorized', message: 'sign in' }))
    await expect(unwrap(api.GET('/admin/live-codes'))).rejects.toMatchObject({ status: 401 })
    expect(sentTo).toEqual(['/live-codes?page=2'])
  })

  it('asks /auth/me without redirecting when nobody is signed in', async () => {
    fetchMock.mockResolvedValueOnce(answer(401, { error: 'unauthorized', message: 'no session' }))
    await expect(request('/auth/me')).rejects.toMatchObject({ status: 401 })
    expect(sentTo).toEqual([])
  })

  it("reads API Gateway's own refusals too", () => {
    expect(toApiError(403, { Message: 'User is not authorized' })).toMatchObject({
      status: 403,
      code: 'http_403',
      message: 'User is not authorized',
    })
  })
})

describe('return paths after sign-in', () => {
  it('stay on this origin', () => {
    expect(safeNext('/live-codes?x=1')).toBe('/live-codes?x=1')
    expect(safeNext('//evil.example/')).toBe('/')
    expect(safeNext('https://evil.example/')).toBe('/')
    expect(safeNext('/\\evil.example')).toBe('/')
    expect(safeNext('/signin?next=/x')).toBe('/')
    expect(safeNext(undefined)).toBe('/')
  })

  it('read cookies by name', () => {
    expect(readCookie('b', 'a=1; b=two%20words; c=3')).toBe('two words')
    expect(readCookie('d', 'a=1')).toBeNull()
  })
})
