import type { ErrorRequestHandler, Request, RequestHandler } from 'express'
import { DownstreamApiError, isIdwebError, type Logger, ProviderUnavailableError } from 'idweb'
import type { LayoutContext } from './layout.ts'
import { errorPage, notFoundPage } from './pages.ts'

/**
 * Answers a path no route handled with a 404: the app's page for browsers, JSON for callers that
 * ask for `application/json`.
 */
export function notFound(layoutOf: (req: Request) => LayoutContext): RequestHandler {
  return (req, res) => {
    res.status(404).set('cache-control', 'no-store').vary('accept')
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: 'not_found', message: `There is no page at ${req.path}.` })
    } else {
      res.type('html').send(notFoundPage(layoutOf(req)))
    }
  }
}

/**
 * Renders errors as pages of the app's layout, with a message that says what happened. Errors that
 * ask the user to sign in or consent are passed on, for idweb's `errorHandler` to re-challenge.
 */
export function showErrors(
  layoutOf: (req: Request) => LayoutContext,
  logger: Logger,
): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (
      res.headersSent ||
      isIdwebError(err, 'IDW_INTERACTION_REQUIRED') ||
      isIdwebError(err, 'IDW_NOT_SIGNED_IN')
    ) {
      next(err)
      return
    }
    const { status, title, message } = describe(err)
    if (status >= 500) {
      logger.error('request failed', {
        path: req.path,
        code: isIdwebError(err) ? err.code : undefined,
        reason: err instanceof Error ? err.message : String(err),
      })
    }
    if (err instanceof ProviderUnavailableError && err.retryAfterSeconds !== undefined) {
      res.set('retry-after', String(err.retryAfterSeconds))
    }
    res
      .status(status)
      .set('cache-control', 'no-store')
      .type('html')
      .send(errorPage(layoutOf(req), status, title, message))
  }
}

function describe(err: unknown): { status: number; title: string; message: string } {
  if (err instanceof DownstreamApiError) {
    return {
      status: 502,
      title: 'A service is not working',
      message: `${err.apiName} answered with HTTP ${err.downstreamStatus}. Please try again later.`,
    }
  }
  if (isIdwebError(err, 'IDW_PROVIDER_UNAVAILABLE')) {
    return {
      status: 503,
      title: 'Sign-in is unavailable',
      message: 'The sign-in service is not answering right now. Please try again in a moment.',
    }
  }
  if (isIdwebError(err, 'IDW_TIMEOUT')) {
    return { status: 504, title: 'A service is too slow', message: 'It did not answer in time.' }
  }
  if (isIdwebError(err, 'IDW_DOWNSTREAM_UNAVAILABLE')) {
    return {
      status: 502,
      title: 'A service is not reachable',
      message: 'A service this page needs is not running. Start it (npm start) and try again.',
    }
  }
  if (isIdwebError(err)) {
    return {
      status: err.status,
      title: err.status >= 500 ? 'Something went wrong' : 'This request cannot be handled',
      message: err.expose ? err.message : 'Please try again later.',
    }
  }
  if (isConnectionRefused(err)) {
    return {
      status: 502,
      title: 'A service is not reachable',
      message: 'A service this page needs is not running. Start it (npm start) and try again.',
    }
  }
  const status = statusOf(err)
  if (status === 413) {
    return { status, title: 'Too large', message: 'What you sent is too large.' }
  }
  if (status < 500) {
    return { status, title: 'Bad request', message: 'The request could not be understood.' }
  }
  return { status, title: 'Something went wrong', message: 'Please try again.' }
}

function isConnectionRefused(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined
  return (
    typeof cause === 'object' &&
    cause !== null &&
    (cause as { code?: unknown }).code === 'ECONNREFUSED'
  )
}

function statusOf(err: unknown): number {
  if (typeof err !== 'object' || err === null) return 500
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown }
  const value = typeof status === 'number' ? status : statusCode
  return typeof value === 'number' && value >= 400 && value < 600 ? value : 500
}
