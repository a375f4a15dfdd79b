import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'
import type { Role } from '@/roles'

/** What every page declares about itself; the router, the menu and the guards read it. */
export interface PageMeta {
  /** i18n key of the page title (also the menu label), e.g. `dashboard.title`. */
  titleKey: string
  /** Menu icon: a component from `@element-plus/icons-vue`, e.g. `DataLine`. */
  icon?: Component
  /** Menu section, e.g. `overview`, `customers`, `engagement`, `commerce`, `settings`. */
  section?: string
  /** The weakest role that may open the page. */
  minRole?: Role
  /** Order inside its section (smaller first). */
  order?: number
  /** Open without signing in (the sign-in page). */
  public?: boolean
  /** Routable but not in the menu (detail pages, errors). */
  hidden?: boolean
}

export type PageRoute = RouteRecordRaw & { meta: PageMeta }

declare module 'vue-router' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface RouteMeta extends Partial<PageMeta> {}
}
