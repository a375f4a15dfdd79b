import { User } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/customers',
    name: 'customers',
    component: () => import('./CustomersPage.vue'),
    meta: { titleKey: 'customers.title', icon: User, section: 'customers', minRole: 'viewer', order: 10 },
  },
  {
    path: '/customers/:id',
    name: 'customer',
    component: () => import('./CustomerProfilePage.vue'),
    meta: { titleKey: 'customers.profileTitle', section: 'customers', minRole: 'viewer', hidden: true },
  },
] satisfies PageRoute[]
