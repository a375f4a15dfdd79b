import { CollectionTag, MagicStick } from '@element-plus/icons-vue'
import type { PageRoute } from '@/pages/types'

export default [
  {
    path: '/tags',
    name: 'tags',
    component: () => import('./TagsPage.vue'),
    meta: { titleKey: 'tags.title', icon: CollectionTag, section: 'customers', minRole: 'viewer', order: 40 },
  },
  {
    path: '/tags/rules',
    name: 'tag-rules',
    component: () => import('./TagRulesPage.vue'),
    meta: { titleKey: 'tags.rulesTitle', icon: MagicStick, section: 'customers', minRole: 'viewer', order: 41 },
  },
] satisfies PageRoute[]
