import { Connection } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/live-codes',
    name: 'live-codes',
    component: () => import('./LiveCodesPage.vue'),
    meta: { titleKey: 'livecodes.title', icon: Connection, section: 'customers', minRole: 'viewer', order: 20 },
  },
  {
    path: '/live-codes/new',
    name: 'live-code-new',
    component: () => import('./LiveCodeEditPage.vue'),
    meta: { titleKey: 'livecodes.newTitle', section: 'customers', minRole: 'operator', hidden: true },
  },
  {
    path: '/live-codes/:code',
    name: 'live-code',
    component: () => import('./LiveCodePage.vue'),
    meta: { titleKey: 'livecodes.oneTitle', section: 'customers', minRole: 'viewer', hidden: true },
  },
  {
    path: '/live-codes/:code/edit',
    name: 'live-code-edit',
    component: () => import('./LiveCodeEditPage.vue'),
    meta: { titleKey: 'livecodes.editTitle', section: 'customers', minRole: 'operator', hidden: true },
  },
] satisfies PageRoute[]
