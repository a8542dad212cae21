import { STATUS_CODES } from 'node:http'
import type { HeaderSource } from '../../api/authorization-header.ts'
import { requireRoles, requireScopeOrAppPermission, requireScopes } from '../../api/authorize.ts'
import { BearerError } from '../../api/bearer-error.ts'
import { toErrorResponse } from '../../api/error-response.ts'
import type { ApiPrincipal } from '../../api/principal.ts'
import type { BearerValidator } from '../../api/validator.ts'
import { isIdwebError } from '../../errors.ts'
import { errorResponse, escapeHtml, wantsJson } from '../../web/http.ts'
import type { Idweb } from '../../web/idweb.ts'
import { interactionResponse, needsInteraction } from './interaction.ts'
import { notSignedInAnswer } from './not-signed-in.ts'
import { repeatedChallenge } from './rechallenge.ts'

/**
 * The answers every adapter gives the same way, on Web `Request`/`Response`: the refusal of
 * `requireUser`, the re-challenge of `authorizeForScopes`, the last error handler and the bearer
 * check. An adapter only moves them in and out of its framework.
 */

/**
 * What `requireUser` answers a request without a user: people are redirected (302) to the
 * sign-in route, coming back to the page they asked for; programs get 401 JSON.
 */
export function notSignedInResponse(idweb: Idweb, request: Request): Response {
  return notSignedInAnswer(idweb.config.signInPath, request)
}

/**
 * The answer of `authorizeForScopes` to `err`: a re-challenge asking for the missing scopes plus
 * `scopes`, or `undefined` when `err` is not one it answers. A downstream API asking again for the
 * re-challenge the user just went through gets its own error answered instead.
 */
export async function rechallengeResponse(
  idweb: Idweb,
  request: Request,
  err: unknown,
  scopes: readonly string[] = [],
): Promise<Response | undefined> {
  if (!needsInteraction(err)) return undefined
  const repeated = repeatedChallenge(request, err)
  if (repeated) {
    idweb.logger.warn(
      'a downstream API asked for the sign-in the user just went through; answering its error instead',
      { path: new URL(request.url).pathname },
    )
    return errorResponse(repeated, request)
  }
  return interactionResponse(idweb, request, err, scopes)
}

/**
 * The last error handler's answer to `err`, never a stack trace nor a message not marked safe to
 * show: a re-challenge for interaction-required errors (when `idweb` is known), RFC 6750 answers
 * for bearer errors, idweb errors with their status, and any other error with the 4xx/5xx status
 * it carries (a body parser's 400 or 413), else 500, with the generic status text only.
 * `request` is only read for its headers and URL; its body is never touched.
 */
export async function errorAnswer(
  err: unknown,
  request: Request,
  idweb: Idweb | undefined,
): Promise<Response> {
  if (idweb && needsInteraction(err)) {
    const answer = await rechallengeResponse(idweb, request, err)
    if (answer) return answer
  }
  if (err instanceof BearerError) return toErrorResponse(err)
  if (isIdwebError(err)) return errorResponse(err, request)
  return genericResponse(statusOf(err), request)
}

/** The 4xx/5xx status an error carries (`status` or `statusCode`), else 500. */
export function statusOf(err: unknown): number {
  if (typeof err !== 'object' || err === null) return 500
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown }
  const value = typeof status === 'number' ? status : statusCode
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599
    ? value
    : 500
}

/** A bare error page (HTML for people, JSON for programs) with only the status text. */
export function genericResponse(status: number, request: Request): Response {
  const text = STATUS_CODES[status] ?? 'Error'
  const headers = new Headers({ 'cache-control': 'no-store' })
  if (wantsJson(request)) {
    headers.set('content-type', 'application/json; charset=utf-8')
    const error = status >= 500 ? 'server_error' : 'request_error'
    return new Response(JSON.stringify({ error, message: text }), { status, headers })
  }
  headers.set('content-type', 'text/html; charset=utf-8')
  const title = escapeHtml(`${status} ${text}`)
  const message =
    status >= 500
      ? 'Something went wrong on our side. Please try again.'
      : 'The request could not be handled.'
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width, initial-scale=1"></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1><p>${message}</p><p><a href="/">Back to the home page</a></p></body></html>`,
    { status, headers },
  )
}

/**
 * What a protected API route needs of its caller.
 *
 * @example
 * ```ts
 * const options: RequireBearerOptions = { scopes: ['Todo.Read', 'Todo.ReadWrite'], anyOf: true }
 * ```
 */
export interface RequireBearerOptions {
  /** Delegated scopes (`scp`) the caller needs. */
  scopes?: readonly string[]
  /** App roles (`roles`) the caller needs. With `scopes` too: either one of the scopes or one of the roles. */
  roles?: readonly string[]
  /** One of the listed scopes (or roles) is enough. Default `false`: all are needed. */
  anyOf?: boolean
  /** `realm` of the `WWW-Authenticate` challenge, e.g. the API's name. */
  realm?: string
}

/**
 * The check of `requireBearer`, built once per route: the caller's principal, or the RFC 6750
 * answer refusing it (401 with `WWW-Authenticate`, 403 `insufficient_scope`, 503 when the issuer's
 * keys cannot be fetched). Never rejects.
 */
export function bearerCheck(
  validator: BearerValidator,
  options: RequireBearerOptions = {},
): (source: HeaderSource) => Promise<ApiPrincipal | Response> {
  const scopes = [...(options.scopes ?? [])]
  const roles = [...(options.roles ?? [])]
  const anyOf = options.anyOf === true
  const challenge = options.realm === undefined ? {} : { realm: options.realm }
  const authorize = (principal: ApiPrincipal): void => {
    if (scopes.length > 0 && roles.length > 0) requireScopeOrAppPermission(principal, scopes, roles)
    else if (scopes.length > 0) requireScopes(principal, scopes, { anyOf })
    else if (roles.length > 0) requireRoles(principal, roles, { anyOf })
  }
  return async (source) => {
    try {
      const principal = await validator.authenticate(source)
      authorize(principal)
      return principal
    } catch (err) {
      return toErrorResponse(err, challenge)
    }
  }
}
