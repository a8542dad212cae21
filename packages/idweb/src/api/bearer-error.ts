import { IdwebError } from '../errors.ts'

/**
 * The RFC 6750 §3.1 error code a bearer failure answers with, or `undefined` when the request
 * carried no bearer credentials at all (then the challenge names no error, per RFC 6750 §3.1).
 *
 * @example
 * ```ts
 * if (err instanceof BearerError && err.bearerError === 'insufficient_scope') audit(err.requiredScopes)
 * ```
 */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/**
 * Why a bearer token was refused. Stable, for logs and metrics; the message is for people.
 *
 * - `missing`: no `Authorization` header, or one with another scheme (`Basic ...`).
 * - `malformed_header`: empty, duplicated, badly spaced or oversized `Authorization` header.
 * - `malformed_token`: not a three-segment JWS, or its header/payload is not JSON.
 * - `algorithm`: `alg` is `none`, symmetric, or not in the configured list.
 * - `signature`: the signature does not verify.
 * - `unknown_key`: no key in the issuer's JWKS matches the token's `kid`/`alg`.
 * - `critical_header`: the token marks a header `crit` that idweb does not understand.
 * - `expired`, `not_yet_valid`, `issued_in_future`: lifetime checks (with the clock tolerance).
 * - `issuer`, `tenant`, `audience`, `client`: who issued the token, for which tenant, for whom,
 *   and which client application asked for it.
 * - `claims`: a required claim is missing or has the wrong type.
 * - `no_permission`: the token carries neither `scp` nor `roles`.
 * - `insufficient_scope`: the token lacks the scope or app role the operation needs.
 * - `keys_unavailable`: the issuer's metadata or keys could not be fetched; not the caller's fault.
 *
 * @example
 * ```ts
 * if (err instanceof BearerError) metrics.increment(`api.auth.refused.${err.reason}`)
 * ```
 */
export type BearerFailureReason =
  | 'missing'
  | 'malformed_header'
  | 'malformed_token'
  | 'algorithm'
  | 'signature'
  | 'unknown_key'
  | 'critical_header'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'issuer'
  | 'tenant'
  | 'audience'
  | 'client'
  | 'claims'
  | 'no_permission'
  | 'insufficient_scope'
  | 'keys_unavailable'

/**
 * What a {@link BearerError} needs besides its reason and message.
 *
 * @example
 * ```ts
 * throw new BearerError('insufficient_scope', 'Needs Todo.Write.', { requiredScopes: ['Todo.Write'] })
 * ```
 */
export interface BearerErrorDetails {
  /** Scopes of which the caller needs (one or all, see the check that failed). */
  requiredScopes?: readonly string[]
  /** App roles of which the caller needs (one or all, see the check that failed). */
  requiredRoles?: readonly string[]
  /** The underlying error, e.g. the `jose` verification failure. */
  cause?: unknown
}

/**
 * The one error a protected API raises for a request it refuses. Its `code` is
 * `IDW_TOKEN_INVALID` (401), `IDW_INSUFFICIENT_SCOPE` (403), or `IDW_DISCOVERY_FAILED` answered
 * with 503 when the issuer's keys cannot be fetched. Its message never contains the token and may
 * be shown to the caller.
 *
 * @example
 * ```ts
 * try {
 *   const principal = await validator.authenticate(request)
 * } catch (err) {
 *   if (isIdwebError(err, 'IDW_INSUFFICIENT_SCOPE')) console.log((err as BearerError).requiredScopes)
 *   return toErrorResponse(err)
 * }
 * ```
 */
export class BearerError extends IdwebError {
  /** Always `BearerError`. */
  override readonly name = 'BearerError'
  /** The RFC 6750 error code, `undefined` for "no credentials" and for `keys_unavailable`. */
  readonly bearerError: BearerErrorCode | undefined
  /** The precise check that failed, for logs and tests; not sent to the caller. */
  readonly reason: BearerFailureReason
  /** Scopes of which the caller needs one or all (empty unless a scope check failed). */
  readonly requiredScopes: readonly string[]
  /** App roles of which the caller needs one or all (empty unless a role check failed). */
  readonly requiredRoles: readonly string[]

  constructor(reason: BearerFailureReason, message: string, details: BearerErrorDetails = {}) {
    const code =
      reason === 'insufficient_scope'
        ? 'IDW_INSUFFICIENT_SCOPE'
        : reason === 'keys_unavailable'
          ? 'IDW_DISCOVERY_FAILED'
          : 'IDW_TOKEN_INVALID'
    super(code, message, {
      cause: details.cause,
      ...(reason === 'keys_unavailable' ? { status: 503 } : {}),
    })
    this.reason = reason
    this.bearerError = bearerErrorFor(reason)
    this.requiredScopes = Object.freeze([...(details.requiredScopes ?? [])])
    this.requiredRoles = Object.freeze([...(details.requiredRoles ?? [])])
  }
}

function bearerErrorFor(reason: BearerFailureReason): BearerErrorCode | undefined {
  switch (reason) {
    case 'missing':
    case 'keys_unavailable':
      return undefined
    case 'malformed_header':
      return 'invalid_request'
    case 'insufficient_scope':
      return 'insufficient_scope'
    default:
      return 'invalid_token'
  }
}
