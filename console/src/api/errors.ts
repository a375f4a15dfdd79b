/** What the API answers when it refuses: `{"error": code, "message": reason}`. */
export interface ErrorBody {
  error: string
  message: string
}

/** A refused or failed request, typed: the status, the API's code and its message. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }

  /** 400 with a validation message (`"field: reason; other.field: reason"`). */
  get isValidation(): boolean {
    return this.status === 400
  }
}

/** The network did not answer at all (offline, the server is down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('network')
    this.name = 'NetworkError'
    this.cause = cause
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).error === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  )
}

/** The typed error of a refused answer, whatever its body (API Gateway answers
 * `{"message"}` or `{"Message"}` itself before the app runs). */
export function toApiError(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(status, body.error, body.message)
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const message = String(record.message ?? record.Message ?? `HTTP ${status}`)
  return new ApiError(status, `http_${status}`, message)
}
