import { ChatDotRound } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/group-codes',
    name: 'group-codes',
    component: () => import('./GroupCodesPage.vue'),
    meta: { titleKey: 'groupcodes.title', icon: ChatDotRound, section: 'customers', minRole: 'viewer', order: 30 },
  },
  {
    path: '/group-codes/new',
    name: 'group-code-new',
    component: () => import('./GroupCodeEditPage.vue'),
    meta: { titleKey: 'groupcodes.newTitle', section: 'customers', minRole: 'operator', hidden: true },
  },
  {
    path: '/group-codes/:code',
    name: 'group-code',
    component: () => import('./GroupCodePage.vue'),
    meta: { titleKey: 'groupcodes.oneTitle', section: 'customers', minRole: 'viewer', hidden: true },
  },
  {
    path: '/group-codes/:code/edit',
    name: 'group-code-edit',
    component: () => import('./GroupCodeEditPage.vue'),
    meta: { titleKey: 'groupcodes.editTitle', section: 'customers', minRole: 'operator', hidden: true },
  },
] satisfies PageRoute[]
