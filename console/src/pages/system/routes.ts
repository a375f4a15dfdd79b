import { Avatar, Key, Tickets } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/system/people',
    name: 'people',
    component: () => import('./PeoplePage.vue'),
    meta: { titleKey: 'system.people.title', icon: Avatar, section: 'settings', minRole: 'admin', order: 10 },
  },
  {
    path: '/system/api-keys',
    name: 'api-keys',
    component: () => import('./ApiKeysPage.vue'),
    meta: { titleKey: 'system.keys.title', icon: Key, section: 'settings', minRole: 'admin', order: 20 },
  },
  {
    path: '/system/audit',
    name: 'audit',
    component: () => import('./AuditPage.vue'),
    meta: { titleKey: 'system.audit.title', icon: Tickets, section: 'settings', minRole: 'admin', order: 30 },
  },
] satisfies PageRoute[]
