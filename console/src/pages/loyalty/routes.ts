import { Medal, Present } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/loyalty/points',
    name: 'points-rules',
    component: () => import('./PointsRulesPage.vue'),
    meta: { titleKey: 'loyalty.pointsTitle', icon: Present, section: 'commerce', minRole: 'viewer', order: 10 },
  },
  {
    path: '/loyalty/tiers',
    name: 'membership-tiers',
    component: () => import('./TiersPage.vue'),
    meta: { titleKey: 'loyalty.tiersTitle', icon: Medal, section: 'commerce', minRole: 'viewer', order: 11 },
  },
] satisfies PageRoute[]
