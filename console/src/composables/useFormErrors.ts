import { reactive } from 'vue'
import { ApiError } from '@/api/errors'

/** `"body.name: Field required; rules.0.weight: Input should be a valid number"` →
 * `{ name: 'Field required', 'rules.0.weight': '...' }`. A leading `body.` is dropped; a part
 * with no field name goes under `''`. */
export function parseValidationMessage(message: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const part of message.split('; ')) {
    const at = part.indexOf(': ')
    if (at < 0) {
      fields[''] = fields[''] ? `${fields['']}; ${part}` : part
      continue
    }
    const where = part.slice(0, at).replace(/^body\.?/, '')
    const reason = part.slice(at + 2)
    fields[where] = fields[where] ? `${fields[where]}; ${reason}` : reason
  }
  return fields
}

/** The form field an API path belongs to: the path itself when the form has it, else its
 * longest leading part that the form has (`rules.0.weight` → `rules`). */
export function fieldFor(path: string, known: readonly string[]): string | null {
  const parts = path.split('.')
  for (let n = parts.length; n > 0; n--) {
    const candidate = parts.slice(0, n).join('.')
    if (known.includes(candidate)) return candidate
  }
  return null
}

/** Puts a 400's reasons on the fields they name: `<el-form-item :error="errors.name">`.
 * Whatever names no field of the form is in `errors._form`. */
export function useFormErrors(fields: readonly string[]) {
  const errors = reactive<Record<string, string>>({})

  function clear(): void {
    for (const key of Object.keys(errors)) delete errors[key]
  }

  /** True when the error was a 400 and is now shown on the form. */
  function apply(error: unknown): boolean {
    clear()
    if (!(error instanceof ApiError) || error.status !== 400) return false
    for (const [path, reason] of Object.entries(parseValidationMessage(error.message))) {
      const field = path ? fieldFor(path, fields) : null
      const key = field ?? '_form'
      errors[key] = errors[key] ? `${errors[key]}; ${field ? reason : `${path}: ${reason}`}` : field ? reason : path ? `${path}: ${reason}` : reason
    }
    return true
  }

  return { errors, apply, clear }
}
