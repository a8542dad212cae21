import type { Logger } from '../logger.ts'
import { BearerError, type BearerFailureReason } from './bearer-error.ts'

const DESCRIPTIONS: Readonly<Partial<Record<BearerFailureReason, string>>> = {
  malformed_token: 'The token is malformed.',
  algorithm: "The token's signing algorithm is not accepted.",
  signature: 'The token signature is invalid.',
  unknown_key: 'The token was signed with a key the issuer does not publish.',
  critical_header: 'The token requires a header extension this API does not support.',
  expired: 'The token is expired.',
  not_yet_valid: 'The token is not valid yet.',
  issued_in_future: 'The token was issued in the future.',
  issuer: 'The token issuer is not accepted.',
  audience: 'The token is not meant for this API.',
  claims: 'The token lacks a required claim or carries a malformed one.',
}

/**
 * Translates whatever jose (or a key resolver) threw while verifying a token into a
 * {@link BearerError}. Messages never quote the token. Unexpected errors are logged (without the
 * token) and answered as a malformed token: a bad input must never become a 500.
 *
 * @example
 * ```ts
 * try { await jwtVerify(token, getKey, verifyOptions) } catch (err) { throw fromJoseError(err, logger) }
 * ```
 */
export function fromJoseError(err: unknown, logger: Logger): BearerError {
  if (err instanceof BearerError) return err
  const reason = reasonOf(err)
  if (reason === undefined) {
    logger.warn('bearer validation: unexpected verification error', {
      error: err instanceof Error ? `${err.name}: ${err.message}` : typeof err,
    })
  }
  const final = reason ?? 'malformed_token'
  return new BearerError(final, DESCRIPTIONS[final] ?? 'The token is invalid.', { cause: err })
}

function reasonOf(err: unknown): BearerFailureReason | undefined {
  const { code, claim, reason, message } = (err ?? {}) as {
    code?: unknown
    claim?: unknown
    reason?: unknown
    message?: unknown
  }
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired'
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (reason !== 'check_failed') return 'claims'
      if (claim === 'nbf') return 'not_yet_valid'
      if (claim === 'iat') return 'issued_in_future'
      if (claim === 'iss') return 'issuer'
      if (claim === 'aud') return 'audience'
      return 'claims'
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm'
    case 'ERR_JOSE_NOT_SUPPORTED':
      return typeof message === 'string' && message.includes('Extension Header Parameter')
        ? 'critical_header'
        : 'algorithm'
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'signature'
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown_key'
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWK_INVALID':
      return 'malformed_token'
    default:
      return undefined
  }
}
