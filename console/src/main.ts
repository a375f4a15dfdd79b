import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from '@/App.vue'
import { i18n } from '@/i18n'
import { makeRouter } from '@/router'
import { setUnauthorizedHandler } from '@/api/client'
import { useSession } from '@/stores/session'
import type { Role } from '@/roles'
import '@/styles/base.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
const router = makeRouter()
app.use(router)

const session = useSession()
// `v-if="can('operator')"` in any template: hide what the person's role may not do.
app.config.globalProperties.can = (needed: Role) => session.can(needed)

setUnauthorizedHandler((next) => {
  session.forget()
  if (router.currentRoute.value.path !== '/signin') {
    void router.push({ path: '/signin', query: { next, expired: '1' } })
  }
})

document.documentElement.lang = i18n.global.locale.value
app.mount('#app')
