import type { Role } from '@/roles'

declare module 'vue' {
  interface ComponentCustomProperties {
    /** True when the signed-in person's role is at least `needed`. */
    can: (needed: Role) => boolean
  }
}

export {}
