import { BearerError } from './bearer-error.ts'
import type { ApiPrincipal } from './principal.ts'

/**
 * Options of {@link requireScopes} and {@link requireRoles}.
 *
 * @example
 * ```ts
 * requireScopes(principal, ['Todo.Read', 'Todo.ReadWrite'], { anyOf: true })
 * ```
 */
export interface RequireOptions {
  /** Accept the caller if it has any one of the listed values. Default `false`: all are needed. */
  anyOf?: boolean
}

/**
 * Requires delegated scopes (`scp`). Raises `IDW_INSUFFICIENT_SCOPE` (403) carrying the scopes,
 * which {@link toErrorResponse} turns into `WWW-Authenticate: Bearer error="insufficient_scope",
 * scope="..."`. Microsoft.Identity.Web's `RequiredScope` is `{ anyOf: true }`.
 *
 * @throws {BearerError} `insufficient_scope`.
 *
 * @example
 * ```ts
 * requireScopes(principal, ['Todo.Read', 'Todo.ReadWrite'], { anyOf: true })
 * ```
 */
export function requireScopes(
  principal: ApiPrincipal,
  scopes: readonly string[],
  options: RequireOptions = {},
): void {
  if (!holds(principal.scopes, scopes, options.anyOf === true)) {
    throw new BearerError(
      'insufficient_scope',
      `The token lacks ${options.anyOf ? 'one of the scopes' : 'the scopes'}: ${scopes.join(' ')}.`,
      { requiredScopes: scopes },
    )
  }
}

/**
 * Requires app roles (`roles`), e.g. application permissions of a daemon.
 *
 * @throws {BearerError} `insufficient_scope` carrying the roles in `requiredRoles`.
 *
 * @example
 * ```ts
 * requireRoles(principal, ['Todo.ReadWrite.All'])
 * ```
 */
export function requireRoles(
  principal: ApiPrincipal,
  roles: readonly string[],
  options: RequireOptions = {},
): void {
  if (!holds(principal.roles, roles, options.anyOf === true)) {
    throw new BearerError(
      'insufficient_scope',
      `The token lacks ${options.anyOf ? 'one of the app roles' : 'the app roles'}: ${roles.join(' ')}.`,
      { requiredRoles: roles },
    )
  }
}

/**
 * Accepts a user token with any of `scopes` or an app token with any of `roles`, like
 * Microsoft.Identity.Web's `RequiredScopeOrAppPermission`.
 *
 * @throws {BearerError} `insufficient_scope` carrying both lists.
 *
 * @example
 * ```ts
 * requireScopeOrAppPermission(principal, ['Todo.Read'], ['Todo.Read.All'])
 * ```
 */
export function requireScopeOrAppPermission(
  principal: ApiPrincipal,
  scopes: readonly string[],
  roles: readonly string[],
): void {
  if (scopes.length === 0 && roles.length === 0) return
  if (scopes.length > 0 && holds(principal.scopes, scopes, true)) return
  if (roles.length > 0 && holds(principal.roles, roles, true)) return
  throw new BearerError(
    'insufficient_scope',
    `The token lacks one of the scopes (${scopes.join(' ')}) or app roles (${roles.join(' ')}).`,
    { requiredScopes: scopes, requiredRoles: roles },
  )
}

function holds(have: ReadonlySet<string>, needed: readonly string[], anyOf: boolean): boolean {
  if (needed.length === 0) return true
  return anyOf ? needed.some((n) => have.has(n)) : needed.every((n) => have.has(n))
}
