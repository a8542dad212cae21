import type { Readable } from 'node:stream'
import type { Request as ExpressRequest } from 'express'
import { IdwebError } from '../../errors.ts'
import {
  isAuthority,
  isUncarriableMethod,
  targetPath,
  toWebHeaders,
} from '../shared/node-request.ts'
import { bodyStream } from '../shared/request-body.ts'

export { isUncarriableMethod, toWebHeaders }

/** The parts of an Express request {@link toWebRequest} reads. */
type NodeRequest = Pick<
  ExpressRequest,
  | 'method'
  | 'originalUrl'
  | 'protocol'
  | 'headersDistinct'
  | 'body'
  | 'readableEnded'
  | 'get'
  | 'app'
  | 'socket'
> &
  Readable & { readonly host?: string | undefined }

/** Options of {@link toWebRequest}. */
export interface ToWebRequestOptions {
  /**
   * Attach the request body (streamed, or rebuilt from a body parser's `req.body`). Default
   * `true` for methods other than `GET` and `HEAD`. Handlers that never read the body pass `false`.
   */
  body?: boolean
}

/**
 * Translates an Express request into a Web `Request` for idweb's framework-neutral core.
 *
 * - URL: `req.protocol` and `req.host` (both honour the app's `trust proxy` setting, so
 *   `X-Forwarded-Proto`/`X-Forwarded-Host` count only from a trusted proxy) + `req.originalUrl`.
 * - Headers from `req.headersDistinct`: several `Cookie` headers are joined with `; `; a repeated
 *   `Authorization` stays repeated (the `Headers` value then contains `, `), so the API side
 *   refuses it instead of silently taking the last one.
 * - Body: the raw stream when nothing has read it yet (read as it is pulled; cancelling it leaves
 *   the request and its connection alone); when a body parser already consumed it
 *   (`req.body` is an object and the stream has ended), an `application/x-www-form-urlencoded`
 *   body rebuilt from `req.body` (flat string fields only).
 *
 * @throws {IdwebError} `IDW_BAD_REQUEST` (400) when the host is missing or not a URL authority;
 *   `IDW_METHOD_NOT_ALLOWED` (405) for `CONNECT`, `TRACE` and `TRACK`, which a Web `Request`
 *   cannot carry.
 *
 * @example
 * ```ts
 * app.post('/hook', async (req, res) => {
 *   const request = toWebRequest(req)
 *   const params = new URLSearchParams(await request.text())
 *   res.json({ state: params.get('state') })
 * })
 * ```
 */
export function toWebRequest(req: ExpressRequest, options: ToWebRequestOptions = {}): Request {
  const node = req as NodeRequest
  const url = new URL(requestHref(req))
  const headers = toWebHeaders(node.headersDistinct)
  const method = node.method.toUpperCase()
  if (isUncarriableMethod(method)) {
    throw new IdwebError('IDW_METHOD_NOT_ALLOWED', `${method} is not answered here.`)
  }
  const wantsBody = options.body ?? (method !== 'GET' && method !== 'HEAD')
  if (!wantsBody || method === 'GET' || method === 'HEAD') {
    return new Request(url, { method, headers })
  }
  const parsed = parsedBody(node, headers.get('content-type'))
  if (parsed !== undefined) {
    // The parser decoded and decompressed it: the original framing headers no longer apply.
    headers.set('content-type', parsed.type)
    headers.delete('content-length')
    headers.delete('transfer-encoding')
    headers.delete('content-encoding')
    return new Request(url, { method, headers, body: parsed.body })
  }
  if (node.readableEnded) return new Request(url, { method, headers })
  return new Request(url, {
    method,
    headers,
    body: bodyStream(req),
    duplex: 'half',
  } as RequestInit)
}

/**
 * The absolute URL of an Express request, as {@link toWebRequest} builds it (scheme and host
 * through `trust proxy`, then `req.originalUrl`), not normalized.
 *
 * @throws {IdwebError} `IDW_BAD_REQUEST` (400) when the host is missing or not a URL authority.
 */
export function requestHref(req: ExpressRequest): string {
  const node = req as NodeRequest
  const href = `${node.protocol}://${hostOf(node)}${originalPath(node)}`
  if (!URL.canParse(href)) {
    throw new IdwebError('IDW_BAD_REQUEST', 'The request has no valid Host header.')
  }
  return href
}

function hostOf(req: NodeRequest): string {
  const host = isExpress4(req) ? express4Host(req) : req.host
  if (!isAuthority(host)) {
    throw new IdwebError('IDW_BAD_REQUEST', 'The request has no valid Host header.')
  }
  return host
}

// Express 4's `req.host` is a deprecated alias of `req.hostname`, which drops the port; its
// `req.param` is gone in Express 5. Express 4 then gets the same logic by hand, through the
// `trust proxy fn` setting both versions compile from `trust proxy`.
function isExpress4(req: NodeRequest): boolean {
  return typeof (req as unknown as { param?: unknown }).param === 'function'
}

function express4Host(req: NodeRequest): string | undefined {
  const trust = req.app.get('trust proxy fn') as
    | ((address: string | undefined, hop: number) => boolean)
    | undefined
  const forwarded = req.get('x-forwarded-host')
  if (forwarded && trust?.(req.socket.remoteAddress, 0)) {
    return forwarded.split(',', 1)[0]?.trim()
  }
  return req.get('host')
}

function originalPath(req: NodeRequest): string {
  return targetPath(req.originalUrl)
}

const FORM = 'application/x-www-form-urlencoded'

/** What a body parser left in `req.body`, turned back into bytes of the original media type. */
function parsedBody(
  req: NodeRequest,
  contentType: string | null,
): { body: string | Uint8Array<ArrayBuffer>; type: string } | undefined {
  const body: unknown = req.body
  if (body === undefined || body === null || !req.readableEnded) return undefined
  const type = contentType ?? FORM
  if (Buffer.isBuffer(body)) return { body: new Uint8Array(body), type }
  if (typeof body === 'string') return { body, type }
  if (typeof body !== 'object') return undefined
  const mediaType = type.split(';', 1)[0]?.trim().toLowerCase()
  if (mediaType === 'application/json' || mediaType?.endsWith('+json')) {
    return { body: JSON.stringify(body), type }
  }
  // A nesting parser (`extended: true`) turns `code[x]=y` into an object under `code`: it is kept
  // as JSON text under its key, so a repeated parameter stays visible instead of vanishing.
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      params.append(key, typeof item === 'string' ? item : JSON.stringify(item))
    }
  }
  return { body: params.toString(), type: FORM }
}
