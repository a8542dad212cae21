import { IdwebError } from '../errors.ts'
import { BearerError, type BearerErrorCode } from './bearer-error.ts'

/**
 * Options of {@link wwwAuthenticate} and `toErrorResponse`.
 *
 * @example
 * ```ts
 * toErrorResponse(err, { realm: 'todo-api', scope: ['Todo.Read'] })
 * ```
 */
export interface ChallengeOptions {
  /** The protection space, e.g. the API's name. Omitted when not set. */
  realm?: string
  /** Scopes to name in an `insufficient_scope` challenge; default the error's required scopes. */
  scope?: string | readonly string[]
}

/**
 * Builds the RFC 6750 §3 `WWW-Authenticate` value for a refused request:
 *
 * - no bearer credentials (or another scheme): `Bearer realm="api"`, no error code (§3.1);
 * - malformed request or bad token: `Bearer realm="api", error="invalid_token",
 *   error_description="The token is expired."`;
 * - missing scope or role: `Bearer realm="api", error="insufficient_scope", error_description="...",
 *   scope="Todo.Read Todo.ReadWrite"`.
 *
 * Quoted values are reduced to the characters RFC 6750 allows (printable ASCII without `"` and
 * `\`), so no input can break the header; descriptions are cut at 200 characters.
 *
 * @example
 * ```ts
 * response.headers.set('WWW-Authenticate', wwwAuthenticate(err, { realm: 'todo-api' }))
 * ```
 */
export function wwwAuthenticate(error: unknown, options: ChallengeOptions = {}): string {
  const params: string[] = []
  if (options.realm !== undefined) params.push(`realm="${quotedSafe(options.realm, 100)}"`)
  const code = bearerCodeOf(error)
  if (code !== undefined) {
    params.push(`error="${code}"`)
    const description = error instanceof IdwebError && error.expose ? error.message : undefined
    if (description) params.push(`error_description="${quotedSafe(description, 200)}"`)
    if (code === 'insufficient_scope') {
      const scope = scopeValue(
        options.scope ?? (error instanceof BearerError ? error.requiredScopes : []),
      )
      if (scope) params.push(`scope="${scope}"`)
    }
  }
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`
}

/** The RFC 6750 error code an error answers with, `undefined` for "no credentials". */
export function bearerCodeOf(error: unknown): BearerErrorCode | undefined {
  if (error instanceof BearerError) return error.bearerError
  if (error instanceof IdwebError) {
    if (error.status === 403) return 'insufficient_scope'
    if (error.status === 401) return 'invalid_token'
  }
  return undefined
}

function quotedSafe(value: string, max: number): string {
  // RFC 6750 §3: %x20-21 / %x23-5B / %x5D-7E, i.e. printable ASCII except `"` and `\`.
  const safe = value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, ' ').replace(/ {2,}/g, ' ')
  return safe.length > max ? `${safe.slice(0, max - 3)}...` : safe
}

function scopeValue(scope: string | readonly string[]): string {
  const list = typeof scope === 'string' ? scope.split(' ') : scope
  // scope-token: 1*( %x21 / %x23-5B / %x5D-7E ); anything else is dropped, not escaped.
  return list.filter((s) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)).join(' ')
}
