/** A request id for the points routes (`RedeemIn.request_id` / `AdjustIn.request_id`:
 * 1–64 of `A-Za-z0-9_.:-`): the API applies one id once, so a double click or a retry after
 * a lost answer must send the same id, and a different submission a new one. */

export function newRequestId(prefix = 'console', random: () => string = randomPart): string {
  return `${prefix}-${Date.now().toString(36)}-${random()}`.slice(0, 64)
}

function randomPart(): string {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** One id per distinct submission: the same body submitted again (a double click, a retry
 * after a network error) gets the same id; a changed body, or any body after `done()`,
 * gets a new one. */
export function submissionIds(make: () => string = () => newRequestId()) {
  let last: { key: string; id: string } | null = null
  return {
    idFor(body: unknown): string {
      const key = JSON.stringify(body)
      if (!last || last.key !== key) last = { key, id: make() }
      return last.id
    },
    /** The submission succeeded: the next one, even with the same values, is new. */
    done(): void {
      last = null
    },
  }
}
