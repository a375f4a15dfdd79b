import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'

export type Dashboard = components['schemas']['Dashboard']
export type Plan = components['schemas']['Plan']
export type Funnel = components['schemas']['Funnel']

/** How many SOP plans the dashboard shows a funnel for. */
export const FUNNEL_PLANS = 4

export function loadDashboard(days: number): Promise<Dashboard> {
  return unwrap(api.GET('/admin/dashboard', { params: { query: { days } } }))
}

export interface PlanFunnel {
  plan: Plan
  funnel: Funnel
}

export async function loadFunnels(): Promise<PlanFunnel[]> {
  const plans = (await unwrap(api.GET('/admin/sop/plans'))).items.slice(0, FUNNEL_PLANS)
  return Promise.all(
    plans.map(async (plan) => ({
      plan,
      funnel: await unwrap(api.GET('/admin/sop/plans/{plan_id}/funnel', { params: { path: { plan_id: plan.id } } })),
    })),
  )
}

/** Dead letters waiting (the route answers at most `limit`). */
export const DEAD_LETTER_LIMIT = 50
export async function countDeadLetters(): Promise<number> {
  const answer = (await unwrap(api.GET('/admin/callbacks/dead-letters'))) as { items?: unknown[] } | undefined
  return answer?.items?.length ?? 0
}

export function yuan(cents: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', maximumFractionDigits: 0 }).format(
    cents / 100,
  )
}

export function percent(value: number | null | undefined, locale: string): string {
  if (value == null) return '—'
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value)
}

export type ReportOut = components['schemas']['ReportOut']

/** Generate the daily report of `day` (a local date) now. */
export function generateDailyReport(day: string): Promise<ReportOut> {
  return unwrap(api.POST('/admin/reports', { body: { kind: 'daily', start: day } }))
}
