import { BearerError } from './bearer-error.ts'
import { TENANT_PLACEHOLDER } from './options.ts'

/**
 * The claims of a token. Values come from a verified token but their shapes are still unchecked.
 *
 * @example
 * ```ts
 * const name = typeof principal.claims.name === 'string' ? principal.claims.name : undefined
 * ```
 */
export type Claims = Readonly<Record<string, unknown>>

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Checks `iss` against the accepted issuers. A `{tenantid}` template is filled from the token's
 * `tid`, which must be a GUID, and compared exactly, so a token whose `iss` names tenant X while
 * its `tid` says Y is refused. Entra issuers also pin `ver`: `/v2.0` issuers need `ver` "2.0" and
 * `sts.windows.net` issuers need "1.0" when the token states a version.
 *
 * @example
 * ```ts
 * checkIssuer(payload, ['https://login.microsoftonline.com/{tenantid}/v2.0'], allowedTenants)
 * ```
 */
export function checkIssuer(
  claims: Claims,
  issuers: readonly string[],
  allowedTenants: ReadonlySet<string> | undefined,
): void {
  const { iss, tid, ver } = claims
  if (typeof iss !== 'string') throw new BearerError('claims', 'The token has no issuer.')
  const tenant = typeof tid === 'string' && GUID.test(tid) ? tid : undefined
  const matched = issuers.find((accepted) =>
    accepted.includes(TENANT_PLACEHOLDER)
      ? tenant !== undefined && accepted.replace(TENANT_PLACEHOLDER, tenant) === iss
      : accepted === iss,
  )
  if (matched === undefined) throw new BearerError('issuer', 'The token issuer is not accepted.')
  if (ver !== undefined) {
    const expected = entraVersionOf(matched)
    if (expected !== undefined && ver !== expected) {
      throw new BearerError('issuer', 'The token version does not match its issuer.')
    }
  }
  if (allowedTenants && (tenant === undefined || !allowedTenants.has(tenant.toLowerCase()))) {
    throw new BearerError('tenant', "The token's tenant is not allowed to call this API.")
  }
}

function entraVersionOf(issuer: string): string | undefined {
  if (issuer.startsWith('https://sts.windows.net/')) return '1.0'
  if (issuer.startsWith('https://login.microsoftonline.com/') && issuer.endsWith('/v2.0'))
    return '2.0'
  return undefined
}

/**
 * Checks `aud`: a string that is an accepted audience, or an array whose every member is one. An
 * array naming another audience too is refused: a token good for several resources could be
 * replayed by any of them against the others.
 *
 * @example
 * ```ts
 * checkAudience(payload, ['6e74172b-...', 'api://6e74172b-...'])
 * ```
 */
export function checkAudience(claims: Claims, audiences: readonly string[]): void {
  const { aud } = claims
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? (aud as unknown[]) : []
  if (list.length === 0 || !list.every((a) => typeof a === 'string' && audiences.includes(a))) {
    throw new BearerError('audience', 'The token is not meant for this API.')
  }
}

/**
 * Refuses an `iat` later than now plus the tolerance (jose checks `iat` only with `maxTokenAge`).
 * The boundary matches `nbf`: `iat === now + tolerance` is still accepted.
 *
 * @example
 * ```ts
 * checkIssuedAt(payload, Math.floor(Date.now() / 1000), 300)
 * ```
 */
export function checkIssuedAt(claims: Claims, nowSeconds: number, toleranceSeconds: number): void {
  const { iat } = claims
  if (iat === undefined) return
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw new BearerError('claims', 'The token carries a malformed "iat" claim.')
  }
  if (iat > nowSeconds + toleranceSeconds) {
    throw new BearerError('issued_in_future', 'The token was issued in the future.')
  }
}

/**
 * Checks the calling client application (`azp`, or Entra v1's `appid`) against an allow-list.
 *
 * @example
 * ```ts
 * checkClientApp(payload, new Set(['b1e2...']))
 * ```
 */
export function checkClientApp(claims: Claims, allowed: ReadonlySet<string> | undefined): void {
  if (!allowed) return
  const client = clientIdOf(claims)
  if (client === undefined || !allowed.has(client)) {
    throw new BearerError('client', 'The calling application is not allowed to call this API.')
  }
}

/** The calling client's id: `azp` (v2.0), else `appid` (v1.0). */
export function clientIdOf(claims: Claims): string | undefined {
  const { azp, appid } = claims
  if (typeof azp === 'string') return azp
  return typeof appid === 'string' ? appid : undefined
}
