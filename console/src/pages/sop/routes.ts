import { Guide } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/sop',
    name: 'sop',
    component: () => import('./SopListPage.vue'),
    meta: { titleKey: 'sop.title', icon: Guide, section: 'engagement', minRole: 'viewer', order: 20 },
  },
  {
    path: '/sop/new',
    name: 'sop-new',
    component: () => import('./SopEditPage.vue'),
    meta: { titleKey: 'sop.newTitle', section: 'engagement', minRole: 'operator', hidden: true },
  },
  {
    path: '/sop/:planId',
    name: 'sop-edit',
    component: () => import('./SopEditPage.vue'),
    props: true,
    meta: { titleKey: 'sop.editTitle', section: 'engagement', minRole: 'viewer', hidden: true },
  },
] satisfies PageRoute[]
