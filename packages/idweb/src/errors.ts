/**
 * The one registry of idweb error codes.
 *
 * Callers match on `error.code`, never on `instanceof` or on the message: codes are stable across
 * releases, messages are for people and may improve. Every error that can reach HTTP carries the
 * `status` to answer with and `expose`, which says whether its message may be shown to the end user
 * (configuration and internal errors are not).
 *
 * @example
 * ```ts
 * try {
 *   await acquirer.getTokenForUser(['User.Read'], account)
 * } catch (err) {
 *   if (isIdwebError(err) && err.code === 'IDW_INTERACTION_REQUIRED') return challenge(err)
 *   throw err
 * }
 * ```
 */
export const errorRegistry = {
  /** The configuration is missing a value or holds an unsafe one. Raised once, at startup. */
  IDW_CONFIG_INVALID: { status: 500, expose: false },
  /** The provider's discovery document could not be fetched, parsed, or names another issuer. */
  IDW_DISCOVERY_FAILED: { status: 502, expose: false },
  /** A token's issuer is not the configured one (or its tenant is not allowed). */
  IDW_ISSUER_INVALID: { status: 401, expose: true },
  /**
   * The provider answered a token request with an OAuth error, or with something that is not a
   * usable answer (not JSON, cut short, larger than `provider.maxResponseBytes`).
   */
  IDW_PROTOCOL_ERROR: { status: 502, expose: false },
  /**
   * The provider could not be reached, did not answer within `provider.timeoutMs`, or answered
   * 429 or 5xx: a transient outage. `Retry-After` is passed on when the provider sent one.
   */
  IDW_PROVIDER_UNAVAILABLE: { status: 503, expose: false },
  /** The user must interact again: sign in, consent to more scopes, or satisfy a claims challenge. */
  IDW_INTERACTION_REQUIRED: { status: 401, expose: true },
  /** The sign-in callback's `state` is missing, altered, expired or already used. */
  IDW_STATE_INVALID: { status: 400, expose: true },
  /** The sign-in callback is malformed (missing code, wrong `iss`, oversized). */
  IDW_CALLBACK_INVALID: { status: 400, expose: true },
  /** The provider refused the sign-in (`access_denied`, `consent_required`, ...). */
  IDW_AUTHORIZATION_DENIED: { status: 403, expose: true },
  /** The ID token failed validation (signature, issuer, audience, nonce, lifetime). */
  IDW_ID_TOKEN_INVALID: { status: 401, expose: true },
  /**
   * A back-channel logout token failed validation (signature, issuer, audience, age, replay,
   * events, sid or sub, nonce): nobody was signed out.
   */
  IDW_LOGOUT_TOKEN_INVALID: { status: 400, expose: true },
  /** A request needs a signed-in user and there is none. */
  IDW_NOT_SIGNED_IN: { status: 401, expose: true },
  /** Several signed-in accounts fit and none was named: pass the account (or its username). */
  IDW_ACCOUNT_AMBIGUOUS: { status: 400, expose: true },
  /** The incoming request is malformed. */
  IDW_BAD_REQUEST: { status: 400, expose: true },
  /** An idweb route was called with a method it does not answer (`Allow` lists those it does). */
  IDW_METHOD_NOT_ALLOWED: { status: 405, expose: true },
  /** A bearer token presented to a protected API is missing, malformed, expired or not for us. */
  IDW_TOKEN_INVALID: { status: 401, expose: true },
  /** A valid bearer token lacks the required scope or app role. */
  IDW_INSUFFICIENT_SCOPE: { status: 403, expose: true },
  /** A cache entry could not be opened (corrupt, truncated, or sealed for another partition). */
  IDW_CACHE_CORRUPT: { status: 500, expose: false },
  /** The cache store did not answer in time or failed. */
  IDW_STORE_UNAVAILABLE: { status: 503, expose: false },
  /** The client credential (secret, certificate, assertion) is unusable. */
  IDW_CREDENTIAL_INVALID: { status: 500, expose: false },
  /** A downstream API answered with an error status. */
  IDW_DOWNSTREAM_API_ERROR: { status: 502, expose: false },
  /** A downstream API could not be reached: not running, wrong `BaseUrl`, or the connection failed. */
  IDW_DOWNSTREAM_UNAVAILABLE: { status: 502, expose: false },
  /** An outbound call took longer than its configured timeout. */
  IDW_TIMEOUT: { status: 504, expose: false },
  /** A session or sign-in transaction is too large for its cookies: trim it or use a session store. */
  IDW_SESSION_TOO_LARGE: { status: 500, expose: false },
} as const satisfies Record<string, { status: number; expose: boolean }>

/** A stable idweb error code. */
export type IdwebErrorCode = keyof typeof errorRegistry

/** Options common to every idweb error. */
export interface IdwebErrorOptions {
  /** The underlying error, kept as the standard `Error.cause`. */
  cause?: unknown
  /** Overrides the registry's HTTP status for this instance. */
  status?: number
}

/** The base class of every error idweb raises on purpose. Match on {@link IdwebError.code}. */
export class IdwebError extends Error {
  /** The class name, e.g. `ConfigError`; informative only, match on `code`. */
  override readonly name: string = 'IdwebError'
  /** The stable code from {@link errorRegistry}, e.g. `IDW_INTERACTION_REQUIRED`. */
  readonly code: IdwebErrorCode
  /** HTTP status to answer with when this error reaches a web handler. */
  readonly status: number
  /** Whether the message may be shown to an end user. */
  readonly expose: boolean

  constructor(code: IdwebErrorCode, message: string, options: IdwebErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status ?? errorRegistry[code].status
    this.expose = errorRegistry[code].expose
  }
}

/** A configuration value is missing or unsafe. `key` names the setting, e.g. `AzureAd.ClientId`. */
export class ConfigError extends IdwebError {
  /** Always `ConfigError`. */
  override readonly name = 'ConfigError'
  /** The setting at fault, in appsettings form, e.g. `AzureAd.ClientId`. */
  readonly key: string

  constructor(key: string, message: string, options: IdwebErrorOptions = {}) {
    super('IDW_CONFIG_INVALID', `${key}: ${message}`, options)
    this.key = key
  }
}

/**
 * The identity provider is unavailable: unreachable, too slow, or answering 429 or 5xx. The
 * message names the URL called and what went wrong; it never holds a token.
 */
export class ProviderUnavailableError extends IdwebError {
  /** Always `ProviderUnavailableError`. */
  override readonly name = 'ProviderUnavailableError'
  /** The provider URL called, without its query string. */
  readonly url: string
  /** The provider's HTTP status, when it answered at all. */
  readonly providerStatus: number | undefined
  /** Seconds the provider asked callers to wait (`Retry-After`), when it said. */
  readonly retryAfterSeconds: number | undefined

  constructor(
    url: string,
    message: string,
    options: IdwebErrorOptions & { providerStatus?: number; retryAfterSeconds?: number } = {},
  ) {
    super('IDW_PROVIDER_UNAVAILABLE', message, options)
    this.url = url
    this.providerStatus = options.providerStatus
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** Fields an OAuth 2.0 / Entra error response carries. */
export interface ProtocolErrorFields {
  /** The OAuth `error` code, e.g. `invalid_grant`. */
  error: string
  /** The provider's `error_description`, verbatim (Entra's starts with the AADSTS code). */
  errorDescription?: string | undefined
  /** Entra's `suberror`, e.g. `consent_required`. */
  suberror?: string | undefined
  /** Entra's AADSTS codes (`error_codes`), or those parsed from the description. */
  errorCodes?: number[] | undefined
  /** Entra's `correlation_id`: quote it when asking Microsoft support about a failed request. */
  correlationId?: string | undefined
  /** Entra's `trace_id`, the server-side id of the failed request. */
  traceId?: string | undefined
  /** A claims challenge the provider asked for (conditional access). */
  claims?: string | undefined
}

/**
 * What a provider's OAuth error says, in one line: `error`, its AADSTS codes and the first line
 * of `error_description`, e.g. `invalid_tenant (AADSTS90002): AADSTS90002: Tenant … not found.`
 */
export function describeProviderError(fields: ProtocolErrorFields): string {
  const codes = fields.errorCodes ?? aadstsCodes(fields.errorDescription)
  const description = fields.errorDescription ? `: ${firstLine(fields.errorDescription)}` : ''
  return `${fields.error}${codes.length > 0 ? ` (AADSTS${codes.join(', AADSTS')})` : ''}${description}`
}

/** The provider answered with an OAuth error. The provider's own fields are kept verbatim. */
export class ProtocolError extends IdwebError implements ProtocolErrorFields {
  /** `ProtocolError`, or the name of a subclass. */
  override readonly name: string = 'ProtocolError'
  /** The OAuth `error` code, e.g. `invalid_grant`. */
  readonly error: string
  /** The provider's `error_description`, verbatim. */
  readonly errorDescription: string | undefined
  /** Entra's `suberror`, e.g. `consent_required`. */
  readonly suberror: string | undefined
  /** Entra's AADSTS codes (`error_codes`), or those parsed from the description. */
  readonly errorCodes: number[] | undefined
  /** Entra's `correlation_id`, for support requests. */
  readonly correlationId: string | undefined
  /** Entra's `trace_id`, the server-side id of the failed request. */
  readonly traceId: string | undefined
  /** A claims challenge the provider asked for (conditional access). */
  readonly claims: string | undefined

  constructor(
    fields: ProtocolErrorFields,
    message?: string,
    options: IdwebErrorOptions & { code?: IdwebErrorCode } = {},
  ) {
    const errorCodes = fields.errorCodes ?? aadstsCodes(fields.errorDescription)
    super(
      options.code ?? 'IDW_PROTOCOL_ERROR',
      message ?? `The identity provider answered ${describeProviderError(fields)}`,
      options,
    )
    this.error = fields.error
    this.errorDescription = fields.errorDescription
    this.suberror = fields.suberror
    this.errorCodes = errorCodes
    this.correlationId = fields.correlationId
    this.traceId = fields.traceId
    this.claims = fields.claims
  }
}

/** Why the user has to interact again. */
export type InteractionReason =
  | 'consent_required'
  | 'interaction_required'
  | 'login_required'
  | 'claims_challenge'
  | 'no_account'
  | 'no_refresh_token'
  | 'invalid_grant'

/**
 * Raised when a token cannot be obtained silently. The web layer answers it with a new
 * authorization request for {@link InteractionRequiredError.scopes} (incremental consent) and, if
 * present, {@link InteractionRequiredError.claims} (conditional access / CAE challenges).
 */
export class InteractionRequiredError extends IdwebError {
  /** Always `InteractionRequiredError`. */
  override readonly name = 'InteractionRequiredError'
  /** The scopes the new authorization request must ask for (frozen). */
  readonly scopes: readonly string[]
  /** The claims challenge to pass on as the `claims` parameter, when there is one. */
  readonly claims: string | undefined
  /** Why a silent token was not possible. */
  readonly reason: InteractionReason
  /** The provider's error, when the provider is the one that asked for interaction. */
  readonly protocolError: ProtocolError | undefined
  /**
   * The `prompt` the new authorization request should carry, e.g. `consent` when a downstream
   * API needs the user's consent for its own calls (a middle tier's combined consent).
   */
  readonly prompt: string | undefined

  constructor(
    reason: InteractionReason,
    scopes: readonly string[],
    options: IdwebErrorOptions & {
      claims?: string | undefined
      protocolError?: ProtocolError
      prompt?: string | undefined
    } = {},
  ) {
    super(
      'IDW_INTERACTION_REQUIRED',
      `The user must sign in again (${reason}) to grant: ${scopes.join(' ') || '(sign-in only)'}`,
      { ...options, cause: options.cause ?? options.protocolError },
    )
    this.scopes = Object.freeze([...scopes])
    this.claims = options.claims
    this.reason = reason
    this.protocolError = options.protocolError
    this.prompt = options.prompt
  }
}

/** Whether `err` is an idweb error, optionally with the given code. */
export function isIdwebError(err: unknown, code?: IdwebErrorCode): err is IdwebError {
  return err instanceof IdwebError && (code === undefined || err.code === code)
}

function aadstsCodes(description: string | undefined): number[] {
  if (!description) return []
  return [...description.matchAll(/AADSTS(\d{4,6})/g)].map((m) => Number(m[1]))
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
