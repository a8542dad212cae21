import * as oauth from 'oauth4webapi'
import {
  IdwebError,
  type IdwebErrorCode,
  InteractionRequiredError,
  ProtocolError,
  type ProtocolErrorFields,
} from '../errors.ts'

/** OAuth errors after which only the user can help: sign in again, consent, or satisfy claims. */
const INTERACTION_ERRORS = new Set([
  'invalid_grant',
  'interaction_required',
  'consent_required',
  'login_required',
])

/** Reads the provider's fields out of an OAuth error body, keeping Entra's extras. */
export function protocolFields(body: Record<string, unknown>): ProtocolErrorFields {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const codes = Array.isArray(body.error_codes)
    ? body.error_codes.filter((c): c is number => typeof c === 'number')
    : undefined
  return {
    error: str(body.error) ?? 'unknown_error',
    errorDescription: str(body.error_description),
    suberror: str(body.suberror),
    errorCodes: codes && codes.length > 0 ? codes : undefined,
    correlationId: str(body.correlation_id),
    traceId: str(body.trace_id),
    claims: str(body.claims),
  }
}

/**
 * Turns whatever a provider call threw into an idweb error: OAuth error bodies become
 * {@link ProtocolError}s (or {@link InteractionRequiredError}s when only the user can fix them),
 * timeouts `IDW_TIMEOUT`, anything else about the response `fallback`.
 */
export function toIdwebError(
  err: unknown,
  scopes: readonly string[],
  fallback: IdwebErrorCode = 'IDW_PROTOCOL_ERROR',
): IdwebError {
  if (err instanceof IdwebError) return err
  if (err instanceof oauth.ResponseBodyError) {
    const fields = protocolFields(err.cause)
    const protocolError = new ProtocolError(fields, undefined, { cause: err })
    const reason = fields.suberror === 'consent_required' ? 'consent_required' : fields.error
    if (INTERACTION_ERRORS.has(fields.error) || fields.suberror === 'consent_required') {
      return new InteractionRequiredError(
        reason === 'consent_required' ||
          reason === 'interaction_required' ||
          reason === 'login_required'
          ? reason
          : 'invalid_grant',
        scopes,
        { claims: fields.claims, protocolError },
      )
    }
    return protocolError
  }
  if (err instanceof oauth.AuthorizationResponseError) {
    return new ProtocolError(
      protocolFields(Object.fromEntries(err.cause)),
      `The identity provider refused the sign-in: ${err.error}${
        err.error_description ? ` (${err.error_description.split(/\r?\n/, 1)[0]})` : ''
      }. Try signing in again.`,
      { cause: err, code: 'IDW_AUTHORIZATION_DENIED' },
    )
  }
  if (isTimeout(err)) {
    return new IdwebError('IDW_TIMEOUT', 'The identity provider did not answer in time.', {
      cause: err,
    })
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = err.cause[0]
    const fields = protocolFields({
      error: challenge?.parameters.error ?? 'invalid_client',
      error_description: challenge?.parameters.error_description,
    })
    return new ProtocolError(fields, undefined, { cause: err })
  }
  const message = err instanceof Error ? err.message : String(err)
  return new IdwebError(fallback, `The identity provider's answer was not usable: ${message}`, {
    cause: err,
  })
}

/** Whether oauth4webapi refused a token response because of its ID token (claims, times, form). */
export function isIdTokenFailure(err: unknown): boolean {
  if (err instanceof oauth.UnsupportedOperationError)
    return !/token_type|implicit/.test(err.message)
  if (!(err instanceof oauth.OperationProcessingError)) return false
  return (
    err.code === oauth.JWT_CLAIM_COMPARISON ||
    err.code === oauth.JWT_TIMESTAMP_CHECK ||
    /\bJWT\b|ID Token/.test(err.message)
  )
}

/** Whether oauth4webapi refused a provider response for its shape (status, type, body members). */
export function isResponseFailure(err: unknown): boolean {
  return (
    err instanceof oauth.OperationProcessingError &&
    (err.code === oauth.RESPONSE_IS_NOT_CONFORM ||
      err.code === oauth.RESPONSE_IS_NOT_JSON ||
      err.message.startsWith('"response"'))
  )
}

function isTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true
  return err.cause !== undefined && isTimeout(err.cause)
}
