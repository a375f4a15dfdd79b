import { useSession } from '@/stores/session'
import type { Role } from '@/roles'

/** `const { can } = useRole()`; in templates `can` is global: `v-if="can('operator')"`. */
export function useRole(): { can: (needed: Role) => boolean } {
  const session = useSession()
  return { can: (needed: Role) => session.can(needed) }
}
