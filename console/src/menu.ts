import type { Component } from 'vue'
import type { PageRoute } from '@/pages/types'
import { allows } from '@/roles'

/** Sections in menu order; a section not listed here comes after them, by name. */
export const SECTIONS = ['overview', 'customers', 'engagement', 'commerce', 'operations', 'settings']

export interface MenuItem {
  path: string
  titleKey: string
  icon?: Component
}

export interface MenuSection {
  section: string
  items: MenuItem[]
}

function sectionRank(section: string): [number, string] {
  const index = SECTIONS.indexOf(section)
  return [index < 0 ? SECTIONS.length : index, section]
}

/** The side menu for a person with `role`: pages grouped by section, those the role may not
 * open left out, empty sections dropped. */
export function buildMenu(routes: PageRoute[], role: string | null | undefined): MenuSection[] {
  const bySection = new Map<string, { item: MenuItem; order: number }[]>()
  for (const route of routes) {
    const meta = route.meta
    if (meta.public || meta.hidden || !allows(role, meta.minRole)) continue
    if (route.path.includes(':')) continue
    const section = meta.section ?? 'overview'
    const list = bySection.get(section) ?? []
    list.push({ item: { path: route.path, titleKey: meta.titleKey, icon: meta.icon }, order: meta.order ?? 100 })
    bySection.set(section, list)
  }
  return [...bySection.entries()]
    .sort(([a], [b]) => {
      const [ra, na] = sectionRank(a)
      const [rb, nb] = sectionRank(b)
      return ra - rb || na.localeCompare(nb)
    })
    .map(([section, list]) => ({
      section,
      items: list.sort((a, b) => a.order - b.order).map((entry) => entry.item),
    }))
}
