import { readAtMost } from '../http/read-limited.ts'

/**
 * A `fetch`-compatible function; inject one to route through a proxy or to test.
 *
 * @example
 * ```ts
 * const traced: FetchLike = (url, init) => {
 *   console.debug('GET', url)
 *   return fetch(url, init)
 * }
 * ```
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/** Raised when a metadata or JWKS response breaks a size or shape limit. */
export class ResponseLimitError extends Error {
  override readonly name = 'ResponseLimitError'
}

/**
 * Reads a response body as JSON, refusing bodies over `maxBytes` without buffering more than
 * `maxBytes` of them (a declared `content-length` over the limit is refused before reading).
 *
 * @example
 * ```ts
 * const json = await readJsonLimited(await fetch(url), 256 * 1024)
 * ```
 */
export async function readJsonLimited(response: Response, maxBytes: number): Promise<unknown> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw new ResponseLimitError(`response of ${declared} bytes exceeds the ${maxBytes}-byte limit`)
  }
  if (response.body === null) throw new ResponseLimitError('response has no body')
  const bytes = await readAtMost(response.body, maxBytes)
  if (bytes === undefined) {
    throw new ResponseLimitError(`response exceeds the ${maxBytes}-byte limit`)
  }
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
}

/** Whether `url` may be fetched: `https:`, or `http:` to a loopback host (development and tests). */
export function isAllowedMetadataUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true
  if (url.protocol !== 'http:') return false
  return url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost'
}
