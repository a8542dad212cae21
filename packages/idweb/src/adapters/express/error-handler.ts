import type {
  ErrorRequestHandler,
  Request as ExpressRequest,
  Response as ExpressResponse,
} from 'express'
import { errorAnswer, genericResponse } from '../shared/answers.ts'
import { sendWebResponse } from './send-web-response.ts'
import { stateOf } from './state.ts'
import { toWebHeaders } from './to-web-request.ts'

/**
 * Options of {@link errorHandler}.
 *
 * @example
 * ```ts
 * app.use(errorHandler({ onError: (err, req) => logger.error({ err, path: req.path }) }))
 * ```
 */
export interface ErrorHandlerOptions {
  /**
   * Called for every error answered with a 5xx status, before answering. Default: `console.error`
   * of the error (as Express's own final handler does), except when `NODE_ENV` is `test`.
   */
  onError?: (err: unknown, req: ExpressRequest) => void
}

/**
 * The last error middleware of an idweb app. Never sends a stack trace, and never an error message
 * that is not marked safe to show.
 *
 * - `IDW_INTERACTION_REQUIRED` / `IDW_NOT_SIGNED_IN`: re-challenge, as {@link authorizeForScopes}
 *   does (so a session whose token cache was lost in a restart signs in again transparently).
 * - Bearer errors of the API side: RFC 6750 401/403 with `WWW-Authenticate` (`toErrorResponse`).
 * - Other idweb errors: their status; a small HTML page for people, `{ error, message }` JSON for
 *   programs; the message only when the error is `expose`d.
 * - Anything else: the `status`/`statusCode` it carries if 4xx/5xx (body parsers' 400 and 413),
 *   else 500, with the generic status text only.
 *
 * @example
 * ```ts
 * app.use(idwebMiddleware(idweb))
 * app.use(routes)
 * app.use(errorHandler())
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const onError = options.onError ?? defaultOnError
  return (err, req, res, next) => {
    if (res.headersSent) {
      // Half a response is out: only Express can end it (it closes the connection).
      next(err)
      return
    }
    answer(err, req)
      .catch((failure: unknown) => {
        onError(failure, req)
        return genericResponse(500, headersOnly(req))
      })
      .then((response) => {
        if (response.status >= 500) onError(err, req)
        return sendWebResponse(res, response)
      })
      .catch(() => destroy(res))
  }
}

async function answer(err: unknown, req: ExpressRequest): Promise<Response> {
  return errorAnswer(err, webRequestOr(req), stateOf(req)?.idweb)
}

function webRequestOr(req: ExpressRequest): Request {
  try {
    return stateOf(req)?.webRequest() ?? headersOnly(req)
  } catch {
    return headersOnly(req)
  }
}

/** Enough of the request to choose HTML or JSON, without trusting its host. */
function headersOnly(req: ExpressRequest): Request {
  return new Request('http://request.invalid/', { headers: toWebHeaders(req.headersDistinct) })
}

function defaultOnError(err: unknown): void {
  if (process.env.NODE_ENV !== 'test') console.error(err)
}

function destroy(res: ExpressResponse): void {
  if (!res.writableEnded) res.destroy()
}
