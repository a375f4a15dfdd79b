import { Filter } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/screening',
    name: 'screening',
    component: () => import('./ScreeningPage.vue'),
    meta: { titleKey: 'screening.title', icon: Filter, section: 'customers', minRole: 'viewer', order: 40 },
  },
] satisfies PageRoute[]
