import { type Claims, clientIdOf } from './token-checks.ts'

/**
 * The caller of a protected API, built from a validated access token.
 *
 * `token` is the raw bearer token, kept for on-behalf-of calls. It is a non-enumerable property,
 * so `JSON.stringify(principal)` and `console.log(principal)` do not print it.
 *
 * @example
 * ```ts
 * const principal = await validator.authenticate(request)
 * if (principal.isAppOnly) console.log('daemon', principal.clientId, [...principal.roles])
 * else console.log('user', principal.oid, 'in', principal.tid, [...principal.scopes])
 * ```
 */
export interface ApiPrincipal {
  /** Every claim of the token, frozen. */
  readonly claims: Claims
  /** Entra object id of the user or service principal. */
  readonly oid: string | undefined
  /** Entra tenant id. */
  readonly tid: string | undefined
  /** The token's `sub` claim: the caller, pairwise per API for Entra. */
  readonly sub: string | undefined
  /** Delegated scopes, from the space-separated `scp` claim. */
  readonly scopes: ReadonlySet<string>
  /** App roles (application permissions, or user roles), from the `roles` claim. */
  readonly roles: ReadonlySet<string>
  /** True for a token an application got for itself: `idtyp` is `app`, or no `scp` but `roles`. */
  readonly isAppOnly: boolean
  /** The calling client application: `azp`, else `appid`. */
  readonly clientId: string | undefined
  /** The raw token (non-enumerable), for on-behalf-of. Never log it. */
  readonly token: string
}

/**
 * Builds the {@link ApiPrincipal} of a validated token.
 *
 * @example
 * ```ts
 * const principal = toPrincipal(payload, token)
 * ```
 */
export function toPrincipal(claims: Claims, token: string): ApiPrincipal {
  const frozen = Object.freeze({ ...claims })
  const scopes = new Set(
    typeof claims.scp === 'string' ? claims.scp.split(' ').filter((s) => s.length > 0) : [],
  )
  const roles = new Set(
    Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is string => typeof r === 'string' && r.length > 0)
      : [],
  )
  const principal: Omit<ApiPrincipal, 'token'> = {
    claims: frozen,
    oid: stringClaim(claims.oid),
    tid: stringClaim(claims.tid),
    sub: stringClaim(claims.sub),
    scopes,
    roles,
    isAppOnly: claims.idtyp === 'app' || (claims.scp === undefined && roles.size > 0),
    clientId: clientIdOf(claims),
  }
  Object.defineProperty(principal, 'token', { value: token, enumerable: false })
  return Object.freeze(principal as ApiPrincipal)
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
