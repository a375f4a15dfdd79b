import { computed, ref, shallowRef, type Ref } from 'vue'
import { ApiError, NetworkError } from '@/api/errors'

export interface RequestState<T> {
  data: Ref<T | undefined>
  loading: Ref<boolean>
  error: Ref<unknown>
  /** Loaded without error, and the answer holds nothing to show. */
  empty: Ref<boolean>
  /** A readable message for the error (the API's own message, or a translated fallback key). */
  errorMessage: Ref<string | null>
  run: () => Promise<T | undefined>
}

export interface RequestOptions<T> {
  immediate?: boolean
  isEmpty?: (data: T) => boolean
}

function defaultEmpty(data: unknown): boolean {
  if (data == null) return true
  if (Array.isArray(data)) return data.length === 0
  if (typeof data === 'object' && Array.isArray((data as { items?: unknown }).items)) {
    return (data as { items: unknown[] }).items.length === 0
  }
  return false
}

export function describeError(error: unknown): string | null {
  if (!error) return null
  if (error instanceof ApiError) return error.message
  if (error instanceof NetworkError) return 'errors.network'
  return 'errors.unknown'
}

/** Loading, empty and error states of one request; `run()` again to reload. A slower answer
 * to an earlier run never overwrites a later one. */
export function useRequest<T>(load: () => Promise<T>, options: RequestOptions<T> = {}): RequestState<T> {
  const data = shallowRef<T | undefined>(undefined) as Ref<T | undefined>
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  const isEmpty = options.isEmpty ?? defaultEmpty
  let generation = 0

  async function run(): Promise<T | undefined> {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const answer = await load()
      if (mine === generation) data.value = answer
      return answer
    } catch (caught) {
      if (mine === generation) error.value = caught
      return undefined
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  const empty = computed(() => !loading.value && !error.value && data.value !== undefined && isEmpty(data.value))
  const errorMessage = computed(() => describeError(error.value))
  if (options.immediate !== false) void run()
  return { data, loading, error, empty, errorMessage, run }
}
