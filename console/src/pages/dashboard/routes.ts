import { DataLine } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/',
    name: 'dashboard',
    component: () => import('./DashboardPage.vue'),
    meta: { titleKey: 'dashboard.title', icon: DataLine, section: 'overview', minRole: 'viewer', order: 0 },
  },
] satisfies PageRoute[]
