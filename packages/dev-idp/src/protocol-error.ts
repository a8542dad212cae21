import { randomUUID } from 'node:crypto'
import { errors } from 'oidc-provider'
import type { DirectorySource } from './options.ts'
import { redirectUriHelp } from './register-help.ts'

/** What an Entra-style protocol error is made of. */
export interface EntraErrorFields {
  /** OAuth error code, e.g. `invalid_grant`. */
  error: string
  /** The AADSTS number, e.g. 65001. */
  aadsts: number
  /** The human text after `AADSTSnnnnn: `. */
  message: string
  /** HTTP status; 400 unless given. */
  status?: number
  /** Entra's `suberror`, e.g. `consent_required`. */
  suberror?: string
  /** What to change in the dev IdP's directory to fix it; shown on error pages only. */
  help?: string
}

/**
 * A protocol error with an AADSTS code. Thrown from inside oidc-provider hooks and grant
 * handlers (it is an oidc-provider error, so the provider answers it) and by the front router.
 */
export class EntraError extends errors.CustomOIDCProviderError {
  readonly aadsts: number
  readonly entraMessage: string
  readonly suberror: string | undefined
  readonly help: string | undefined

  constructor(fields: EntraErrorFields) {
    super(fields.error, `AADSTS${fields.aadsts}: ${fields.message}`)
    this.aadsts = fields.aadsts
    this.entraMessage = fields.message
    this.suberror = fields.suberror
    this.help = fields.help
    const status = fields.status ?? 400
    Object.assign(this, { status, statusCode: status, expose: true })
  }

  get fields(): EntraErrorFields {
    return {
      error: this.error,
      aadsts: this.aadsts,
      message: this.entraMessage,
      status: this.statusCode,
      ...(this.suberror ? { suberror: this.suberror } : {}),
      ...(this.help ? { help: this.help } : {}),
    }
  }
}

/** Request-scoped ids that Entra repeats in every error. */
export interface ErrorIds {
  traceId: string
  correlationId: string
  timestamp: string
}

/** Fresh ids; the correlation id echoes `client-request-id` when the client sent a GUID. */
export function errorIds(clientRequestId?: string | string[]): ErrorIds {
  const header = Array.isArray(clientRequestId) ? clientRequestId[0] : clientRequestId
  const correlationId =
    header && /^[0-9a-f-]{36}$/i.test(header) ? header.toLowerCase() : randomUUID()
  return {
    traceId: randomUUID(),
    correlationId,
    timestamp: new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z'),
  }
}

/** `AADSTSnnnnn: message\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …` */
export function entraDescription(fields: EntraErrorFields, ids: ErrorIds): string {
  return `AADSTS${fields.aadsts}: ${fields.message}\r\nTrace ID: ${ids.traceId}\r\nCorrelation ID: ${ids.correlationId}\r\nTimestamp: ${ids.timestamp}`
}

/** The JSON body Entra's token endpoint answers errors with. */
export function entraErrorBody(fields: EntraErrorFields, ids: ErrorIds): Record<string, unknown> {
  return {
    error: fields.error,
    error_description: entraDescription(fields, ids),
    error_codes: [fields.aadsts],
    timestamp: ids.timestamp,
    trace_id: ids.traceId,
    correlation_id: ids.correlationId,
    ...(fields.suberror ? { suberror: fields.suberror } : {}),
    error_uri: `https://login.microsoftonline.com/error?code=${fields.aadsts}`,
  }
}

/** What the request said that helps pick the right AADSTS code. */
export interface ErrorHint {
  clientId?: string
  /** The client authenticated with a `client_assertion`. */
  clientAssertion?: boolean
  /** The display name of the tenant the request was sent to. */
  tenantName?: string
  /** The `redirect_uri` the request sent. */
  redirectUri?: string
  /** The display name of the app registration of `clientId`, when the directory has it. */
  appName?: string
  /** Where the directory came from, to say where a redirect URI is registered. */
  directory?: DirectorySource
}

interface ProviderErrorLike {
  error?: unknown
  message?: unknown
  error_description?: unknown
  error_detail?: unknown
  statusCode?: unknown
  expose?: unknown
}

/**
 * Translates any error the provider raised (oidc-provider's own or an {@link EntraError}) to
 * Entra's fields. Internal errors become a 400 `invalid_request`, never a 500: the provider's
 * callers must only ever see protocol errors.
 */
export function toEntraFields(err: unknown, hint: ErrorHint = {}): EntraErrorFields {
  if (err instanceof EntraError) return err.fields
  const e = (typeof err === 'object' && err !== null ? err : {}) as ProviderErrorLike
  const error = typeof e.error === 'string' ? e.error : 'invalid_request'
  const description = typeof e.error_description === 'string' ? e.error_description : ''
  const detail = typeof e.error_detail === 'string' ? e.error_detail : ''
  const status = typeof e.statusCode === 'number' && e.statusCode < 500 ? e.statusCode : 400
  if (e.expose !== true) {
    return { error: 'invalid_request', aadsts: 90014, message: 'The request is malformed.' }
  }
  const text = `${description} ${detail}`.toLowerCase()
  const mapped = mapProviderError(error, text, description, hint)
  return { status, ...mapped }
}

function mapProviderError(
  error: string,
  text: string,
  description: string,
  hint: ErrorHint,
): EntraErrorFields {
  const client = hint.clientId ? `'${hint.clientId}'` : 'the client'
  const directory = hint.tenantName ? `the directory '${hint.tenantName}'` : 'the directory'
  switch (error) {
    case 'invalid_client':
      if (text.includes('client not found') || text.includes('client is invalid')) {
        return {
          error,
          aadsts: 700016,
          status: 400,
          message: `Application with identifier ${client} was not found in ${directory}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        }
      }
      if (text.includes('invalid secret')) {
        return {
          error,
          aadsts: 7000215,
          status: 401,
          message:
            'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.',
        }
      }
      if (
        !hint.clientAssertion &&
        (text.includes('mechanism') || text.includes('does not match the registered'))
      ) {
        return {
          error,
          aadsts: 7000218,
          status: 401,
          message:
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        }
      }
      return {
        error,
        aadsts: 700027,
        status: 401,
        message: `Client assertion failed signature validation or is expired, replayed or not issued for this endpoint. (${clean(text)})`,
      }
    case 'invalid_redirect_uri':
      return redirectUriMismatch(client, hint)
    case 'invalid_grant':
      return invalidGrant(text)
    case 'invalid_scope':
      return {
        error,
        aadsts: 70011,
        message: `The provided value for scope is not valid. ${description}`,
      }
    case 'invalid_target':
      return {
        error: 'invalid_resource',
        aadsts: 500011,
        message: `The resource principal was not found in the tenant. ${description}`,
      }
    case 'unsupported_grant_type':
      return { error, aadsts: 70003, message: 'The app requested an unsupported grant type.' }
    case 'unauthorized_client':
      return { error, aadsts: 700016, message: description }
    case 'consent_required':
      return {
        error,
        aadsts: 65001,
        suberror: 'consent_required',
        message: `The user or administrator has not consented to use the application. ${description}`,
      }
    case 'login_required':
      return {
        error,
        aadsts: 50058,
        message: 'A silent sign-in request was sent but no user is signed in.',
      }
    case 'interaction_required':
      return { error, aadsts: 50076, message: description || 'User interaction is required.' }
    case 'access_denied':
      return { error, aadsts: 65004, message: 'User declined to consent to access the app.' }
    case 'authorization_pending':
      return {
        error,
        aadsts: 70016,
        message: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
      }
    case 'slow_down':
      return { error, aadsts: 70016, message: 'Polling too quickly. Slow down.' }
    case 'expired_token':
      return {
        error,
        aadsts: 70020,
        message:
          'The provided value for the input parameter device_code is not valid. Device code expired.',
      }
    case 'invalid_request':
      return invalidRequest(text, description)
    default:
      return { error, aadsts: 90014, message: description || 'The request is malformed.' }
  }
}

function redirectUriMismatch(client: string, hint: ErrorHint): EntraErrorFields {
  const uri = hint.redirectUri
  const help =
    uri !== undefined && hint.clientId && hint.appName && hint.directory
      ? redirectUriHelp(hint.directory, { appId: hint.clientId, displayName: hint.appName }, uri)
      : undefined
  return {
    error: 'invalid_request',
    aadsts: 50011,
    message: `The redirect URI ${uri === undefined ? '' : `'${uri}' `}specified in the request does not match the redirect URIs configured for the application ${client}. Make sure the redirect URI sent in the request matches one added to your application.`,
    ...(help ? { help } : {}),
  }
}

function invalidGrant(text: string): EntraErrorFields {
  const error = 'invalid_grant'
  if (text.includes('pkce') || text.includes('code_verifier')) {
    return {
      error,
      aadsts: 50148,
      message:
        'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
    }
  }
  if (
    text.includes('authorization code') &&
    (text.includes('consumed') || text.includes('already used'))
  ) {
    return {
      error,
      aadsts: 54005,
      message:
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    }
  }
  if (text.includes('redirect_uri')) {
    return {
      error,
      aadsts: 50011,
      message: 'The redirect_uri does not match the one used in the authorization request.',
    }
  }
  if (text.includes('expired') || text.includes('already used') || text.includes('not found')) {
    return {
      error,
      aadsts: 70008,
      message:
        'The provided authorization code or refresh token has expired due to inactivity, was already used or revoked. Send a new interactive authorization request for this user and resource.',
    }
  }
  return {
    error,
    aadsts: 70000,
    message: `The provided grant is invalid or malformed. (${clean(text)})`,
  }
}

function invalidRequest(text: string, description: string): EntraErrorFields {
  const error = 'invalid_request'
  if (text.includes('no client authentication mechanism')) {
    return {
      error,
      aadsts: 900144,
      message: "The request body must contain the following parameter: 'client_id'.",
    }
  }
  const missing =
    /missing required parameter[s]?\W+(\S+)/.exec(text) ?? /(\w+) must be provided/.exec(text)
  if (missing) {
    return {
      error,
      aadsts: 900144,
      message: `The request body must contain the following parameter: '${missing[1]?.replace(/['().]/g, '')}'.`,
    }
  }
  if (text.includes('provided twice') || text.includes('duplicate')) {
    return {
      error,
      aadsts: 9000411,
      message: `The request is not properly formatted. A parameter is duplicated. (${description})`,
    }
  }
  if (text.includes('content-type') || text.includes('parse the request body')) {
    return {
      error,
      aadsts: 900144,
      message:
        "The request body must contain the following parameter: 'grant_type'. The body must be application/x-www-form-urlencoded.",
    }
  }
  return { error, aadsts: 90014, message: description || 'The request is malformed.' }
}

function clean(text: string): string {
  return text.trim().replace(/\s+/g, ' ').slice(0, 200)
}
