import { ChatDotRound } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/welcome',
    name: 'welcome',
    component: () => import('./WelcomeListPage.vue'),
    meta: { titleKey: 'welcome.title', icon: ChatDotRound, section: 'engagement', minRole: 'viewer', order: 10 },
  },
  {
    path: '/welcome/new',
    name: 'welcome-new',
    component: () => import('./WelcomeEditPage.vue'),
    meta: { titleKey: 'welcome.newTitle', section: 'engagement', minRole: 'operator', hidden: true },
  },
  {
    path: '/welcome/:channel',
    name: 'welcome-edit',
    component: () => import('./WelcomeEditPage.vue'),
    props: true,
    meta: { titleKey: 'welcome.editTitle', section: 'engagement', minRole: 'viewer', hidden: true },
  },
] satisfies PageRoute[]
