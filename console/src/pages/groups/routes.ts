import { ChatLineSquare } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/groups',
    name: 'groups',
    component: () => import('./GroupsPage.vue'),
    meta: { titleKey: 'groups.title', icon: ChatLineSquare, section: 'customers', minRole: 'viewer', order: 50 },
  },
  {
    path: '/groups/:chatId',
    name: 'group',
    component: () => import('./GroupPage.vue'),
    props: true,
    meta: { titleKey: 'groups.detailTitle', section: 'customers', minRole: 'viewer', hidden: true },
  },
] satisfies PageRoute[]
