/** Converting the points rules and tier levels between the API's shape and the forms'. */

/** A `{name: value}` map as editable rows, and back (blank names dropped). */
export interface Pair {
  name: string
  value: number
}

export function toPairs(map: Record<string, number> | undefined | null): Pair[] {
  return Object.entries(map ?? {}).map(([name, value]) => ({ name, value }))
}

export function fromPairs(pairs: Pair[]): Record<string, number> {
  const map: Record<string, number> = {}
  for (const pair of pairs) {
    const name = pair.name.trim()
    if (name) map[name] = pair.value
  }
  return map
}

/** Minor units (分) to yuan for a form, and back (rounded to the fen). */
export function toYuan(cents: number | null | undefined): number {
  return (cents ?? 0) / 100
}

export function toCents(yuan: number | null | undefined): number {
  return Math.round((yuan ?? 0) * 100)
}

/** The form fields a 400 on `PUT /admin/membership/tiers` may name, for `useFormErrors`. */
export function tierFields(levels: number): string[] {
  const fields = ['window_days', 'requires', 'levels']
  for (let n = 0; n < levels; n++) {
    for (const part of ['name', 'min_points', 'min_spend_cents', 'tag_id']) fields.push(`levels.${n}.${part}`)
  }
  return fields
}

/** A blank tag id means "no tag" to the API (`null`). */
export function tagOrNull(tag: string | null | undefined): string | null {
  const trimmed = (tag ?? '').trim()
  return trimmed ? trimmed : null
}
