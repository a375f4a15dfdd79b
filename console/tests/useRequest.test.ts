import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { ApiError, NetworkError } from '@/api/errors'
import { describeError, useRequest } from '@/composables/useRequest'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('a request’s states', () => {
  it('goes from loading to loaded, and to empty when nothing came back', async () => {
    const state = useRequest(async () => ({ items: [] as number[] }))
    expect(state.loading.value).toBe(true)
    await settle()
    expect(state.loading.value).toBe(false)
    expect(state.empty.value).toBe(true)
    expect(state.errorMessage.value).toBeNull()
  })

  it("shows the API's own message on a refusal, a translated one when the network fails", async () => {
    const refused = useRequest(async () => {
      throw new ApiError(409, 'conflict', 'the code already exists')
    })
    await settle()
    expect(refused.errorMessage.value).toBe('the code already exists')
    expect(refused.empty.value).toBe(false)
    expect(describeError(new NetworkError(new TypeError('fetch failed')))).toBe('errors.network')
  })

  it('never lets a slow earlier answer overwrite a later one', async () => {
    const resolvers: ((value: string) => void)[] = []
    const state = useRequest(() => new Promise<string>((resolve) => resolvers.push(resolve)))
    void state.run()
    resolvers[1]('second')
    await settle()
    resolvers[0]('first')
    await settle()
    await nextTick()
    expect(state.data.value).toBe('second')
    expect(state.loading.value).toBe(false)
  })
})
