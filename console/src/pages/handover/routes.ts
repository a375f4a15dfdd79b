import { Switch } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/handover',
    name: 'handover',
    component: () => import('./HandoverPage.vue'),
    meta: { titleKey: 'handover.title', icon: Switch, section: 'customers', minRole: 'viewer', order: 50 },
  },
] satisfies PageRoute[]
