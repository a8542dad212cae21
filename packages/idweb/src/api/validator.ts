import { jwtVerify } from 'jose'
import { type HeaderSource, readBearerToken } from './authorization-header.ts'
import { requireRoles, requireScopeOrAppPermission, requireScopes } from './authorize.ts'
import { BearerError } from './bearer-error.ts'
import { fromJoseError } from './jose-errors.ts'
import { createKeySource } from './key-source.ts'
import { type BearerValidatorOptions, type ResolvedOptions, resolveOptions } from './options.ts'
import { type ApiPrincipal, toPrincipal } from './principal.ts'
import { checkAudience, checkClientApp, checkIssuedAt, checkIssuer } from './token-checks.ts'

/**
 * Validates bearer tokens for one protected API. Create it once, at startup.
 *
 * @example
 * ```ts
 * const principal = await validator.authenticate(request)
 * const same = await validator.validateToken(tokenFromWebSocketHandshake)
 * ```
 */
export interface BearerValidator {
  /**
   * Reads the `Authorization` header and validates its bearer token.
   *
   * @throws {BearerError} and nothing else: `IDW_TOKEN_INVALID` (401), `IDW_INSUFFICIENT_SCOPE`
   *   (403), or `IDW_DISCOVERY_FAILED` with status 503 when the issuer's keys are unreachable.
   */
  authenticate(source: HeaderSource): Promise<ApiPrincipal>
  /** Validates a bearer token obtained some other way (same checks, same errors). */
  validateToken(token: string): Promise<ApiPrincipal>
}

/**
 * Creates the bearer-token validator of a protected web API. Configuration is checked here, once:
 * a missing or unsafe setting throws a `ConfigError` naming it (`algorithms: "HS256" is
 * refused...`).
 *
 * Each token is checked in this order: header syntax and length; signature with an allowed
 * asymmetric algorithm and a key from the issuer's JWKS (jose; `jku`, `x5u`, `jwk` headers are
 * never followed; unknown `crit` refused); `exp`, `nbf`, `iat` with the clock tolerance; issuer
 * (templates filled from `tid`), tenant, audience, client app; `scp` or `roles` present; the
 * configured required scopes/roles.
 *
 * @throws {ConfigError} for a missing or unsafe option.
 *
 * @example
 * ```ts
 * import { createBearerValidator, toErrorResponse } from 'idweb/api'
 *
 * const validator = createBearerValidator({
 *   discoveryUrl: 'https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration',
 *   clientId: process.env.API_CLIENT_ID,
 *   requiredScopes: ['access_as_user'],
 * })
 *
 * export async function GET(request: Request): Promise<Response> {
 *   try {
 *     const principal = await validator.authenticate(request)
 *     return Response.json({ hello: principal.oid })
 *   } catch (err) {
 *     return toErrorResponse(err)
 *   }
 * }
 * ```
 */
export function createBearerValidator(options: BearerValidatorOptions): BearerValidator {
  const resolved = resolveOptions(options)
  const keySource = createKeySource(resolved)

  const validateToken = async (token: string): Promise<ApiPrincipal> => {
    try {
      if (typeof token !== 'string' || token.length > resolved.maxTokenLength) {
        throw new BearerError('malformed_token', 'The token is too long.')
      }
      const principal = await verify(token, resolved, keySource)
      enforceDefaults(principal, resolved)
      return principal
    } catch (err) {
      const error = fromJoseError(err, resolved.logger)
      if (error.reason !== 'keys_unavailable') {
        resolved.logger.debug('bearer token refused', { reason: error.reason })
      }
      throw error
    }
  }

  return Object.freeze({
    validateToken,
    async authenticate(source: HeaderSource): Promise<ApiPrincipal> {
      let token: string
      try {
        token = readBearerToken(source, resolved)
      } catch (err) {
        throw fromJoseError(err, resolved.logger)
      }
      return validateToken(token)
    },
  })
}

async function verify(
  token: string,
  options: ResolvedOptions,
  keySource: () => Promise<{ issuers: readonly string[]; getKey: Parameters<typeof jwtVerify>[1] }>,
): Promise<ApiPrincipal> {
  const { issuers, getKey } = await keySource()
  const nowMs = options.now()
  const { payload } = await jwtVerify(token, getKey, {
    algorithms: [...options.algorithms],
    clockTolerance: options.clockToleranceSeconds,
    currentDate: new Date(nowMs),
    requiredClaims: ['exp', 'iss', 'aud'],
  })
  checkIssuedAt(payload, Math.floor(nowMs / 1000), options.clockToleranceSeconds)
  checkIssuer(payload, issuers, options.allowedTenants)
  checkAudience(payload, options.audiences)
  checkClientApp(payload, options.allowedClientApps)
  const principal = toPrincipal(payload, token)
  if (
    !options.allowTokensWithoutScopesOrRoles &&
    principal.scopes.size === 0 &&
    principal.roles.size === 0
  ) {
    throw new BearerError('no_permission', 'The token carries neither scopes (scp) nor app roles.')
  }
  return principal
}

function enforceDefaults(principal: ApiPrincipal, options: ResolvedOptions): void {
  const { requiredScopes: scopes, requiredRoles: roles } = options
  if (scopes.length > 0 && roles.length > 0) requireScopeOrAppPermission(principal, scopes, roles)
  else if (scopes.length > 0) requireScopes(principal, scopes, { anyOf: true })
  else if (roles.length > 0) requireRoles(principal, roles, { anyOf: true })
}
