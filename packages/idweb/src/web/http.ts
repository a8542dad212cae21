import {
  IdwebError,
  type IdwebErrorCode,
  isIdwebError,
  ProviderUnavailableError,
} from '../errors.ts'
import { readAtMost } from '../http/read-limited.ts'

/** The largest sign-in callback body idweb reads (`form_post`). Real ones are a few kilobytes. */
export const MAX_CALLBACK_BYTES = 64 * 1024
/** How long a callback body may take to arrive; a real one takes milliseconds. */
export const CALLBACK_READ_MS = 10_000

/**
 * The authorization response parameters of a callback request: the query string for `GET`, the
 * urlencoded body for `POST` (`form_post`). Oversized or non-form bodies, bodies slower than
 * `readTimeoutMs` (408), and responses that repeat a parameter are refused with
 * `IDW_CALLBACK_INVALID` before anything else reads them.
 */
export async function callbackParameters(
  request: Request,
  readTimeoutMs = CALLBACK_READ_MS,
): Promise<URLSearchParams> {
  const url = new URL(request.url)
  if (request.method === 'GET') {
    if (url.search.length > MAX_CALLBACK_BYTES) throw tooLarge()
    return singleValued(url.searchParams)
  }
  if (request.method !== 'POST') {
    throw new IdwebError(
      'IDW_CALLBACK_INVALID',
      `The sign-in callback does not accept ${request.method}.`,
      {
        status: 405,
      },
    )
  }
  const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    throw new IdwebError(
      'IDW_CALLBACK_INVALID',
      'The sign-in callback expects an application/x-www-form-urlencoded form post.',
      { status: 415 },
    )
  }
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > MAX_CALLBACK_BYTES) throw tooLarge()
  const body = await readLimited(request, MAX_CALLBACK_BYTES, readTimeoutMs)
  return singleValued(new URLSearchParams(body))
}

/**
 * `params`, once no parameter is repeated. RFC 6749 (§3.1) forbids repeated response parameters:
 * a second `code`, `state`, `iss` or `error` is an injection or a broken proxy, and which copy a
 * later check reads must never be a question.
 */
function singleValued(params: URLSearchParams): URLSearchParams {
  const seen = new Set<string>()
  for (const name of params.keys()) {
    if (seen.has(name)) {
      throw new IdwebError(
        'IDW_CALLBACK_INVALID',
        `The sign-in response repeats the "${name.slice(0, 40)}" parameter. Please sign in again.`,
      )
    }
    seen.add(name)
  }
  return params
}

async function readLimited(request: Request, limit: number, timeoutMs: number): Promise<string> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await readAtMost(request.body, limit, AbortSignal.timeout(timeoutMs))
  } catch (err) {
    const slow = err instanceof Error && err.name === 'TimeoutError'
    throw new IdwebError(
      'IDW_CALLBACK_INVALID',
      slow
        ? 'The sign-in callback took too long to arrive.'
        : 'The sign-in callback could not be read.',
      { status: slow ? 408 : 400, cause: err },
    )
  }
  if (bytes === undefined) throw tooLarge()
  return new TextDecoder().decode(bytes)
}

function tooLarge(): IdwebError {
  return new IdwebError('IDW_CALLBACK_INVALID', 'The sign-in callback is too large.', {
    status: 413,
  })
}

/**
 * The answer to a method a route does not take: 405 with `Allow`, and nothing else done (no
 * cookie read or written, no body read). `method` is the one the request used (adapters pass it
 * for methods a Web `Request` cannot carry, such as `TRACE`).
 */
export function methodNotAllowed(
  request: Request,
  methods: readonly string[],
  method = request.method,
): Response {
  const path = new URL(request.url).pathname
  const err = new IdwebError(
    'IDW_METHOD_NOT_ALLOWED',
    `${path} answers ${methods.join(' and ')} only, not ${method.slice(0, 20)}.`,
  )
  const response = errorResponse(err, request)
  response.headers.set('allow', methods.join(', '))
  return response
}

/** A redirect that never caches and carries the given cookies. */
export function redirect(
  location: string,
  setCookies: readonly string[] = [],
  status = 303,
): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store' })
  for (const c of setCookies) headers.append('set-cookie', c)
  return new Response(null, { status, headers })
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * Answers an error raised while handling a request: JSON for API callers, a small HTML page for
 * people. Only messages the error marks as `expose` are shown; anything else is a generic text, so
 * no configuration detail or token leaks to the browser.
 */
export function errorResponse(
  err: unknown,
  request: Request,
  setCookies: readonly string[] = [],
): Response {
  const known = isIdwebError(err) ? err : undefined
  const status = known?.status ?? 500
  const code = known?.code ?? 'IDW_INTERNAL'
  const message =
    known?.expose === true
      ? known.message
      : ((known && PUBLIC_MESSAGES[known.code]) ??
        'Something went wrong while signing you in. Please try again.')
  const headers = new Headers({ 'cache-control': 'no-store' })
  for (const c of setCookies) headers.append('set-cookie', c)
  const wait = retryAfterOf(err)
  if (wait !== undefined) headers.set('retry-after', String(wait))
  if (wantsJson(request)) {
    headers.set('content-type', 'application/json; charset=utf-8')
    return new Response(JSON.stringify({ error: code, message }), { status, headers })
  }
  headers.set('content-type', 'text/html; charset=utf-8')
  const title =
    (known && PUBLIC_TITLES[known.code]) ??
    (status === 401
      ? 'Sign-in required'
      : status < 500
        ? 'Sign-in failed'
        : status === 502 || status === 503
          ? 'Sign-in is unavailable'
          : 'Error')
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(
    title,
  )}</title><meta name="viewport" content="width=device-width, initial-scale=1"></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem"><h1>${escapeHtml(
    title,
  )}</h1><p>${escapeHtml(message)}</p><p><small>Error code: ${escapeHtml(code)}</small></p><p><a href="/">Back to the home page</a></p></body></html>`
  return new Response(body, { status, headers })
}

/** What people are told of errors whose own message is not for them. */
const PUBLIC_MESSAGES: Partial<Record<IdwebErrorCode, string>> = {
  IDW_PROVIDER_UNAVAILABLE:
    'The sign-in service is not answering right now. Please try again in a moment.',
  IDW_DISCOVERY_FAILED:
    'The sign-in service cannot be reached, or it answered in a way this app cannot use. Please try again later.',
  IDW_PROTOCOL_ERROR:
    'The sign-in service answered in a way this app cannot use. Please try again later.',
  IDW_DOWNSTREAM_UNAVAILABLE:
    'A service this page needs is not answering right now. Please try again in a moment.',
  IDW_DOWNSTREAM_API_ERROR:
    'A service this page needs answered with an error. Please try again later.',
  IDW_TIMEOUT: 'A service this page needs did not answer in time. Please try again later.',
}

/** Page titles of errors that are not about signing in. */
const PUBLIC_TITLES: Partial<Record<IdwebErrorCode, string>> = {
  IDW_DOWNSTREAM_UNAVAILABLE: 'A service is unavailable',
  IDW_DOWNSTREAM_API_ERROR: 'A service is not working',
  IDW_TIMEOUT: 'A service is too slow',
}

/** The `Retry-After` seconds a provider outage anywhere in `err`'s causes asked for. */
function retryAfterOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof ProviderUnavailableError && e.retryAfterSeconds !== undefined) {
      return e.retryAfterSeconds
    }
  }
  return undefined
}

/**
 * Whether the caller is a program rather than a person: an XHR/fetch request, or one that accepts
 * JSON but not HTML.
 */
export function wantsJson(request: Request): boolean {
  if (request.headers.get('x-requested-with')?.toLowerCase() === 'xmlhttprequest') return true
  const accept = request.headers.get('accept') ?? ''
  if (accept.includes('text/html')) return false
  if (accept.includes('application/json')) return true
  const mode = request.headers.get('sec-fetch-mode')
  if (mode && mode !== 'navigate') return true
  return accept === '' && request.headers.get('authorization') !== null
}
