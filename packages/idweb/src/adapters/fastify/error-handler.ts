import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorAnswer, genericResponse, rechallengeResponse } from '../shared/answers.ts'
import { needsInteraction } from '../shared/interaction.ts'
import { distinctHeaders, toWebHeaders } from '../shared/node-request.ts'
import { stateOf } from './state.ts'

/**
 * Options of {@link errorHandler}.
 *
 * @example
 * ```ts
 * app.setErrorHandler(errorHandler({ onError: (err, request) => request.log.error(err) }))
 * ```
 */
export interface ErrorHandlerOptions {
  /**
   * Called for every error answered with a 5xx status, before answering. Default: the request's
   * logger (`request.log.error`), which Fastify keeps silent unless a logger is configured.
   */
  onError?: (err: unknown, request: FastifyRequest) => void
}

/**
 * The error handler of an idweb Fastify app; the plugin sets it unless told not to. Never sends
 * a stack trace, and never an error message that is not marked safe to show.
 *
 * - `IDW_INTERACTION_REQUIRED` / `IDW_NOT_SIGNED_IN`: a re-challenge for the missing scopes plus
 *   those `authorizeForScopes` named on the route (HTML: to the provider; programs: 401 JSON).
 * - Bearer errors: RFC 6750 401/403 with `WWW-Authenticate`.
 * - Other idweb errors: their status, the message only when it is `expose`d.
 * - Anything else: the 4xx/5xx status it carries (Fastify's own 400, 413 and 415), else 500, with
 *   the generic status text only.
 *
 * @example
 * ```ts
 * await app.register(idwebPlugin, { idweb, errorHandler: false })
 * app.setErrorHandler(async (err, request, reply) => {
 *   if (isMine(err)) return reply.code(409).send({ error: 'conflict' })
 *   return errorHandler()(err, request, reply)
 * })
 * ```
 */
export function errorHandler(
  options: ErrorHandlerOptions = {},
): (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const onError = options.onError ?? ((err, request) => request.log.error(err))
  return async (err, request, reply) => {
    const state = stateOf(request)
    const web = webRequestOr(request)
    let response: Response
    try {
      const challenge =
        state && needsInteraction(err)
          ? await rechallengeResponse(state.idweb, web, err, state.scopes)
          : undefined
      response = challenge ?? (await errorAnswer(err, web, state?.idweb))
    } catch (failure) {
      onError(failure, request)
      response = genericResponse(500, headersOnly(request))
    }
    if (response.status >= 500) onError(err, request)
    return reply.send(response)
  }
}

function webRequestOr(request: FastifyRequest): Request {
  try {
    return stateOf(request)?.webRequest() ?? headersOnly(request)
  } catch {
    return headersOnly(request)
  }
}

/** Enough of the request to choose HTML or JSON, without trusting its host. */
function headersOnly(request: FastifyRequest): Request {
  return new Request('http://request.invalid/', {
    headers: toWebHeaders(distinctHeaders(request.raw)),
  })
}
