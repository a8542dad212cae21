import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

/** Pieces of the Node adapters (Express, Fastify) that read a Node `IncomingMessage`. */

/**
 * Copies Node headers into Web `Headers`: `Cookie` values joined with `; ` (RFC 6265 §5.4),
 * every other repeated header appended (so duplicates stay visible), HTTP/2 pseudo-headers dropped.
 *
 * @example
 * ```ts
 * const headers = toWebHeaders(req.headersDistinct)
 * headers.get('cookie') // 'a=1; b=2' for two Cookie headers
 * ```
 */
export function toWebHeaders(
  distinct: Readonly<Record<string, readonly string[] | string | undefined>> | IncomingHttpHeaders,
): Headers {
  const headers = new Headers()
  for (const [name, raw] of Object.entries(distinct)) {
    if (raw === undefined || name.startsWith(':')) continue
    const values = typeof raw === 'string' ? [raw] : raw
    if (name.toLowerCase() === 'cookie') {
      headers.set('cookie', values.join('; '))
      continue
    }
    for (const value of values) {
      try {
        headers.append(name, value)
      } catch {
        // A header Node accepted but `Headers` refuses (invalid characters): not ours to read.
      }
    }
  }
  return headers
}

/** Methods the Fetch standard forbids in a `Request`: no idweb code can be handed one. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/** Whether `method` is one a Web `Request` cannot carry (`CONNECT`, `TRACE`, `TRACK`). */
export function isUncarriableMethod(method: string): boolean {
  return FORBIDDEN_METHODS.has(method.toUpperCase())
}

// A URL authority: no path, query, fragment, userinfo, backslash or whitespace may ride along.
const AUTHORITY = /^[A-Za-z0-9\-._~%!$&'()*+,;=:[\]]+$/

/** Whether `host` can stand as the authority of a URL: nothing else may ride along in it. */
export function isAuthority(host: string | undefined): host is string {
  return host !== undefined && host !== '' && AUTHORITY.test(host)
}

/**
 * A request target as a path: an absolute-form target (`GET http://host/path`) must not move the
 * URL elsewhere, so anything not starting with `/` is put under it.
 */
export function targetPath(target: string): string {
  return target.startsWith('/') ? target : `/${target}`
}

/** The path of a request target, as sent (no normalisation, no decoding). */
export function pathOf(target: string): string {
  const query = target.indexOf('?')
  const hash = target.indexOf('#')
  const end = query === -1 ? hash : hash === -1 ? query : Math.min(query, hash)
  return end === -1 ? target : target.slice(0, end)
}

/**
 * The request's headers, each name with its values kept apart: `headersDistinct`, or, for a
 * request object that lacks it (Fastify's `inject`, light-my-request), the joined `headers`.
 */
export function distinctHeaders(
  raw: IncomingMessage,
): Readonly<Record<string, readonly string[] | string | undefined>> {
  return raw.headersDistinct ?? raw.headers
}
