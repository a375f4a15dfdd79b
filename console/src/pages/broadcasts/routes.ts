import { Promotion } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/broadcasts',
    name: 'broadcasts',
    component: () => import('./BroadcastsPage.vue'),
    meta: { titleKey: 'broadcasts.title', icon: Promotion, section: 'engagement', minRole: 'viewer', order: 30 },
  },
  {
    path: '/broadcasts/new',
    name: 'broadcast-new',
    component: () => import('./ComposePage.vue'),
    meta: { titleKey: 'broadcasts.newTitle', section: 'engagement', minRole: 'operator', hidden: true },
  },
  {
    path: '/broadcasts/:broadcastId',
    name: 'broadcast',
    component: () => import('./BroadcastPage.vue'),
    props: true,
    meta: { titleKey: 'broadcasts.detailTitle', section: 'engagement', minRole: 'viewer', hidden: true },
  },
] satisfies PageRoute[]
