import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { fetchMe, logout as apiLogout, type Person } from '@/api/auth'
import { useCorpTimezone } from '@/components/days'
import { allows, type Role } from '@/roles'

/** The signed-in person (from `/auth/me`), loaded once when the app starts. */
export const useSession = defineStore('session', () => {
  const person = ref<Person | null>(null)
  const loaded = ref(false)
  const loadError = ref<unknown>(null)
  let loading: Promise<void> | null = null

  async function load(): Promise<void> {
    try {
      person.value = await fetchMe()
      useCorpTimezone(person.value?.timezone)
      loadError.value = null
    } catch (error) {
      person.value = null
      loadError.value = error
    } finally {
      loaded.value = true
    }
  }

  function ensureLoaded(): Promise<void> {
    if (loaded.value) return Promise.resolve()
    loading ??= load().finally(() => {
      loading = null
    })
    return loading
  }

  async function signOut(): Promise<void> {
    try {
      await apiLogout()
    } finally {
      person.value = null
    }
  }

  function forget(): void {
    person.value = null
    loaded.value = true
  }

  const role = computed(() => person.value?.role ?? null)
  const can = (needed: Role): boolean => allows(role.value, needed)

  return { person, loaded, loadError, role, load, ensureLoaded, signOut, forget, can }
})
