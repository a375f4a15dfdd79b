import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'

export type Report = components['schemas']['ReportOut']
export type ReportFile = components['schemas']['ReportFile']
export type Kind = Report['kind']
export const KINDS: Kind[] = ['daily', 'weekly', 'monthly', 'custom']

export async function listReports(kind: Kind | null, limit: number): Promise<Report[]> {
  const query = kind ? { kind, limit } : { limit }
  const answer = await unwrap(api.GET('/admin/reports', { params: { query } as never }))
  return (answer as { items: Report[] }).items
}

export async function getReport(kind: string, start: string): Promise<Report> {
  return (await unwrap(
    api.GET('/admin/reports/{kind}/{start}', { params: { path: { kind, start } } }),
  )) as Report
}

export async function generateReport(body: { kind: Kind; start: string; end?: string | null }): Promise<Report> {
  return (await unwrap(api.POST('/admin/reports', { body: body as never }))) as Report
}

/** "2026-11-30" or "2026-11-23 – 2026-11-29". */
export function periodLabel(report: Pick<Report, 'start' | 'end'>): string {
  return report.start === report.end ? report.start : `${report.start} – ${report.end}`
}

/** A file's kind for its download button: HTML first, then XLSX, then each CSV. */
export function sortFiles(files: ReportFile[]): ReportFile[] {
  const rank = (file: ReportFile): number =>
    file.name.endsWith('.html') ? 0 : file.name.endsWith('.xlsx') ? 1 : 2
  return [...files].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
}

export function htmlFile(files: ReportFile[]): ReportFile | undefined {
  return files.find((file) => file.content_type.startsWith('text/html') || file.name.endsWith('.html'))
}
