/** Roles, weakest first: each one may do everything the ones before it may. */
export const ROLES = ['staff', 'viewer', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** True when a person granted `granted` may do what needs `needed`. */
export function allows(granted: string | null | undefined, needed: Role | undefined): boolean {
  if (!needed) return true
  const have = ROLES.indexOf(granted as Role)
  return have >= 0 && have >= ROLES.indexOf(needed)
}
