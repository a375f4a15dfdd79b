import { createRouter, createWebHistory, type Router } from 'vue-router'
import type { PageRoute } from '@/pages/types'
import { allows } from '@/roles'
import { useSession } from '@/stores/session'
import { safeNext } from '@/api/client'
import { translate } from '@/i18n'

/** Every page area declares its routes in `pages/<area>/routes.ts` (default export): adding a
 * page never edits this file. */
const modules = import.meta.glob<{ default: PageRoute[] }>('./pages/*/routes.ts', { eager: true })

export const pageRoutes: PageRoute[] = Object.keys(modules)
  .sort()
  .flatMap((key) => modules[key].default)

export function makeRouter(): Router {
  const signedIn = pageRoutes.filter((route) => !route.meta.public)
  const open = pageRoutes.filter((route) => route.meta.public)
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      ...open,
      {
        path: '/',
        component: () => import('@/components/AppLayout.vue'),
        children: [
          ...signedIn.map((route) => ({ ...route, path: route.path.replace(/^\//, '') }) as PageRoute),
          {
            path: 'forbidden',
            name: 'forbidden',
            component: () => import('@/components/NotAllowed.vue'),
            meta: { titleKey: 'app.forbidden', hidden: true },
          },
          {
            path: ':missing(.*)*',
            name: 'not-found',
            component: () => import('@/components/NotFound.vue'),
            meta: { titleKey: 'app.notFound', hidden: true },
          },
        ],
      },
    ],
  })

  router.beforeEach(async (to) => {
    const session = useSession()
    await session.ensureLoaded()
    if (to.name === 'signin' && session.person) {
      return safeNext(typeof to.query.next === 'string' ? to.query.next : '/')
    }
    if (to.meta.public) return true
    if (!session.person) {
      return { path: '/signin', query: { next: safeNext(to.fullPath) } }
    }
    if (!allows(session.person.role, to.meta.minRole)) {
      return { name: 'forbidden', query: { from: to.fullPath } }
    }
    return true
  })

  router.afterEach((to) => {
    const name = translate('app.name')
    document.title = to.meta.titleKey ? `${translate(to.meta.titleKey)} · ${name}` : name
  })
  return router
}
