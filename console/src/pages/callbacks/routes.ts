import { WarningFilled } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/callbacks',
    name: 'callbacks',
    component: () => import('./DeadLettersPage.vue'),
    meta: { titleKey: 'callbacks.title', icon: WarningFilled, section: 'operations', minRole: 'viewer' },
  },
] satisfies PageRoute[]
