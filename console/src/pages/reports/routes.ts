import { Document } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/reports',
    name: 'reports',
    component: () => import('./ReportsPage.vue'),
    meta: { titleKey: 'reports.title', icon: Document, section: 'overview', minRole: 'viewer', order: 20 },
  },
  {
    path: '/reports/:kind/:start',
    name: 'report',
    component: () => import('./ReportPage.vue'),
    meta: { titleKey: 'reports.reportTitle', section: 'overview', minRole: 'viewer', hidden: true },
  },
] satisfies PageRoute[]
