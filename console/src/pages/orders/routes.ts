import { ShoppingCart } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/orders',
    name: 'orders',
    component: () => import('./OrdersPage.vue'),
    meta: { titleKey: 'orders.title', icon: ShoppingCart, section: 'commerce', minRole: 'viewer', order: 0 },
  },
  {
    path: '/orders/:key',
    name: 'order',
    component: () => import('./OrderDetailPage.vue'),
    meta: { titleKey: 'orders.detailTitle', section: 'commerce', minRole: 'viewer', hidden: true },
  },
] satisfies PageRoute[]
