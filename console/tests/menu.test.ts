import { describe, expect, it } from 'vitest'
import { defineComponent } from 'vue'
import { buildMenu } from '@/menu'
import type { PageRoute } from '@/pages/types'
import { allows } from '@/roles'

const Page = defineComponent({ template: '<div />' })
const route = (path: string, meta: PageRoute['meta']): PageRoute => ({ path, component: Page, meta })

const ROUTES: PageRoute[] = [
  route('/settings/tokens', { titleKey: 'tokens.title', section: 'settings', minRole: 'admin' }),
  route('/live-codes', { titleKey: 'livecodes.title', section: 'customers', minRole: 'viewer', order: 2 }),
  route('/contacts', { titleKey: 'contacts.title', section: 'customers', minRole: 'viewer', order: 1 }),
  route('/', { titleKey: 'dashboard.title', section: 'overview', minRole: 'viewer' }),
  route('/sop', { titleKey: 'sop.title', section: 'engagement', minRole: 'operator' }),
  route('/signin', { titleKey: 'signin.title', public: true }),
  route('/contacts/:id', { titleKey: 'contacts.one', section: 'customers', minRole: 'viewer' }),
  route('/lab', { titleKey: 'lab.title', section: 'zz-lab', minRole: 'viewer' }),
]

describe('the side menu', () => {
  it('shows a viewer only the pages a viewer may open, grouped by section in order', () => {
    const menu = buildMenu(ROUTES, 'viewer')
    expect(menu.map((s) => s.section)).toEqual(['overview', 'customers', 'zz-lab'])
    expect(menu[1].items.map((i) => i.path)).toEqual(['/contacts', '/live-codes'])
  })

  it('shows an admin every section, sign-in and detail pages never', () => {
    const menu = buildMenu(ROUTES, 'admin')
    expect(menu.map((s) => s.section)).toEqual(['overview', 'customers', 'engagement', 'settings', 'zz-lab'])
    const paths = menu.flatMap((s) => s.items.map((i) => i.path))
    expect(paths).not.toContain('/signin')
    expect(paths).not.toContain('/contacts/:id')
  })

  it('shows a staff member or an unknown role nothing that needs a role', () => {
    expect(buildMenu(ROUTES, 'staff')).toEqual([])
    expect(buildMenu(ROUTES, 'root')).toEqual([])
    expect(buildMenu(ROUTES, null)).toEqual([])
  })
})

describe('roles', () => {
  it('rank staff < viewer < operator < admin', () => {
    expect(allows('operator', 'viewer')).toBe(true)
    expect(allows('operator', 'operator')).toBe(true)
    expect(allows('operator', 'admin')).toBe(false)
    expect(allows('staff', 'viewer')).toBe(false)
    expect(allows('superuser', 'viewer')).toBe(false)
    expect(allows(undefined, undefined)).toBe(true)
  })
})
