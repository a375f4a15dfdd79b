import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/signin',
    name: 'signin',
    component: () => import('./SignInPage.vue'),
    meta: { titleKey: 'signin.title', public: true, hidden: true },
  },
] satisfies PageRoute[]
