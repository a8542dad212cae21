import { createRemoteJWKSet, customFetch, errors, type JWTPayload, jwtVerify } from 'jose'
import { IdwebError, ProviderUnavailableError } from '../errors.ts'
import { type ProtocolContext, TENANT_TEMPLATE } from '../protocol/context.ts'

/** The event a back-channel logout token carries (OpenID Connect Back-Channel Logout 1.0, 2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** How old a logout token may be: the provider sends it the moment the user signs out. */
export const LOGOUT_TOKEN_MAX_AGE_SECONDS = 600

/** The largest logout token idweb reads. Real ones are well under 2 KB. */
export const MAX_LOGOUT_TOKEN_LENGTH = 16 * 1024

/** What a valid logout token says: whose session ended, and how to recognize a replay. */
export interface LogoutClaims {
  /** The token's issuer, a tenant's issuer for Entra's multi-tenant template. */
  readonly iss: string
  /** The provider session that ended, when the token names one. */
  readonly sid: string | undefined
  /** The subject whose sessions ended, when the token names one. */
  readonly sub: string | undefined
  readonly jti: string
  /** Epoch seconds after which the token is no longer accepted, so its `jti` may be forgotten. */
  readonly acceptedUntil: number
}

/** Signing algorithms a provider may use for a logout token: asymmetric ones only. */
const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/

const keySets = new WeakMap<ProtocolContext, ReturnType<typeof createRemoteJWKSet>>()

/**
 * Validates a back-channel logout token (Back-Channel Logout 1.0, 2.6) with jose: its signature
 * by the provider's published keys, `iss` (per tenant for Entra's multi-tenant template, within
 * `allowedTenants`), `aud` naming this app, `iat` no older than ten minutes nor in the future,
 * `exp`, the logout `events` claim, a `sid` or a `sub`, a `jti`, no `nonce`, and a
 * `typ` that is not another kind of token's.
 *
 * @throws `IDW_LOGOUT_TOKEN_INVALID` naming what failed (never the token).
 */
export async function checkLogoutToken(
  protocol: ProtocolContext,
  token: string,
  algorithms: readonly string[] | undefined,
): Promise<LogoutClaims> {
  if (token.length > MAX_LOGOUT_TOKEN_LENGTH) throw invalid('the logout token is too large')
  let payload: JWTPayload
  let typ: string | undefined
  try {
    const verified = await jwtVerify(token, keysOf(protocol), {
      audience: protocol.client.client_id,
      algorithms: allowedAlgorithms(protocol, algorithms),
      clockTolerance: protocol.clockToleranceSeconds,
      maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SECONDS,
      requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti', 'events'],
    })
    payload = verified.payload
    typ = verified.protectedHeader.typ
  } catch (err) {
    if (keysUnavailable(err)) {
      throw new ProviderUnavailableError(
        protocol.as.jwks_uri ?? protocol.as.issuer,
        "The provider's signing keys could not be fetched to check the logout token.",
        { cause: err },
      )
    }
    throw invalid(reasonOf(err), err)
  }
  if (typ !== undefined && !/^(application\/)?(logout\+jwt|jwt)$/i.test(typ)) {
    throw invalid("its type (typ) is not a logout token's")
  }
  const iss = payload.iss as string
  checkIssuer(protocol, iss, payload.tid)
  // A token for several audiences could be replayed by any of them against the others.
  if (Array.isArray(payload.aud) && payload.aud.some((a) => a !== protocol.client.client_id)) {
    throw invalid('the logout token is also for other audiences')
  }
  if (payload.iat !== undefined && payload.iat > nowSeconds() + protocol.clockToleranceSeconds) {
    throw invalid('the logout token was issued in the future')
  }
  const events = payload.events
  const event =
    events !== null && typeof events === 'object' && !Array.isArray(events)
      ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
      : undefined
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw invalid('the token carries no back-channel logout event')
  }
  if ('nonce' in payload) throw invalid('a logout token must not carry a nonce')
  const sid = optionalString(payload.sid, 'sid')
  const sub = optionalString(payload.sub, 'sub')
  if (sid === undefined && sub === undefined) throw invalid('the token names neither sid nor sub')
  const jti = optionalString(payload.jti, 'jti')
  if (jti === undefined) throw invalid('the token has no jti')
  // One second past the last one jose accepts it in, so a replay at that second is still caught.
  const acceptedUntil =
    (payload.iat ?? nowSeconds()) +
    LOGOUT_TOKEN_MAX_AGE_SECONDS +
    protocol.clockToleranceSeconds +
    1
  return { iss, sid, sub, jti, acceptedUntil }
}

/**
 * Whether `iss` is the provider's issuer; for Entra's `{tenantid}` template, that issuer filled
 * with the token's tenant (its `tid`, else the tenant `iss` itself names), which must be allowed.
 */
export function issuerMatches(protocol: ProtocolContext, iss: string, tid?: unknown): boolean {
  const issuer = protocol.as.issuer
  if (!issuer.includes(TENANT_TEMPLATE)) return iss === issuer
  const [before, after] = issuer.split(TENANT_TEMPLATE) as [string, string]
  if (!iss.startsWith(before) || !iss.endsWith(after)) return false
  const tenant = iss.slice(before.length, iss.length - after.length).toLowerCase()
  if (!GUID.test(tenant)) return false
  if (typeof tid === 'string' && tid.toLowerCase() !== tenant) return false
  return protocol.allowedTenants === undefined || protocol.allowedTenants.includes(tenant)
}

const GUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i

function checkIssuer(protocol: ProtocolContext, iss: string, tid: unknown): void {
  if (!issuerMatches(protocol, iss, tid)) throw invalid('the logout token is from another issuer')
}

function keysOf(protocol: ProtocolContext): ReturnType<typeof createRemoteJWKSet> {
  let keys = keySets.get(protocol)
  if (keys === undefined) {
    const uri = protocol.as.jwks_uri
    if (uri === undefined) throw invalid('the provider publishes no signing keys (jwks_uri)')
    const fetch = protocol.http.fetch
    keys = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: protocol.http.timeoutMs,
      ...(fetch ? { [customFetch]: (url: string, init: RequestInit) => fetch(url, init) } : {}),
    })
    keySets.set(protocol, keys)
  }
  return keys
}

function allowedAlgorithms(
  protocol: ProtocolContext,
  configured: readonly string[] | undefined,
): string[] {
  const advertised = protocol.as.id_token_signing_alg_values_supported ?? ['RS256']
  return [...(configured ?? advertised)].filter((alg) => ASYMMETRIC.test(alg))
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '' || value.length > 1024) {
    throw invalid(`the token's ${name} is not a usable string`)
  }
  return value
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the logout token has expired'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'the logout token is for another app'
    if (err.claim === 'iat') return 'the logout token is too old or has no iat'
    if (err.claim === 'exp') return 'the logout token has no exp'
    return `the logout token's ${err.claim} claim is invalid`
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify'
  if (err instanceof errors.JWKSNoMatchingKey) return 'no provider key matches the token'
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the signing algorithm is not accepted'
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) {
    return 'the logout token is malformed'
  }
  if (err instanceof errors.JOSEError) return `the logout token was refused (${err.code})`
  return 'the logout token is malformed'
}

/** Whether jose failed to get the keys at all (the provider's fault), not on the token. */
function keysUnavailable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true
  // jose's generic error is what it raises for a key set answer that is not 200 OK.
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC'
  return err instanceof Error && (err.name === 'TypeError' || err.name === 'AbortError')
}

function invalid(reason: string, cause?: unknown): IdwebError {
  return new IdwebError('IDW_LOGOUT_TOKEN_INVALID', `The logout request was refused: ${reason}.`, {
    ...(cause === undefined ? {} : { cause }),
  })
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}
