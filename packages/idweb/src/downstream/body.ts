import { IdwebError } from '../errors.ts'
import type { ResourceBody } from '../protocol/resource.ts'

/** A request body ready for `fetch`, with the content type idweb chose (if any). */
export interface EncodedBody {
  body: ResourceBody | undefined
  /** `application/json` for serialized values; `undefined` lets `fetch` decide. */
  contentType: string | undefined
  /** Whether the body can be sent a second time (a stream cannot). */
  replayable: boolean
}

/**
 * Encodes a call's body: binary, text, form and stream bodies pass through untouched; any other
 * value is serialized as JSON.
 *
 * @example
 * ```ts
 * encodeBody({ title: 'Buy milk' }) // { body: '{"title":"Buy milk"}', contentType: 'application/json', replayable: true }
 * encodeBody(new URLSearchParams({ a: '1' })).contentType // undefined: fetch sets the form type
 * ```
 */
export function encodeBody(value: unknown): EncodedBody {
  if (value === undefined) return { body: undefined, contentType: undefined, replayable: true }
  if (value instanceof ReadableStream) {
    return { body: value as ReadableStream<Uint8Array>, contentType: undefined, replayable: false }
  }
  if (
    typeof value === 'string' ||
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    value instanceof URLSearchParams ||
    value instanceof FormData ||
    value instanceof Blob
  ) {
    return { body: value, contentType: undefined, replayable: true }
  }
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (err) {
    throw new TypeError('The downstream API call body cannot be serialized as JSON.', {
      cause: err,
    })
  }
  if (json === undefined) {
    throw new TypeError('The downstream API call body cannot be serialized as JSON.')
  }
  return { body: json, contentType: 'application/json', replayable: true }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

/**
 * Reads a successful response as JSON: `undefined` for 204, 205 or an empty body; a JSON media
 * type (or none) is parsed; anything else is refused with a hint to use `callRaw`.
 *
 * @example
 * ```ts
 * const todos = await readJson<Todo[]>(response, 'TodoApi')
 * ```
 */
export async function readJson<T>(response: Response, apiName: string): Promise<T> {
  if (response.status === 204 || response.status === 205 || response.body === null) {
    await response.body?.cancel()
    return undefined as T
  }
  const type = response.headers.get('content-type')
  const text = await response.text()
  if (text.trim() === '') return undefined as T
  if (type !== null && !JSON_TYPE.test(type)) {
    throw new IdwebError(
      'IDW_DOWNSTREAM_API_ERROR',
      `DownstreamApis.${apiName} answered ${mediaType(type)}, not JSON: use callRaw to read it.`,
    )
  }
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new IdwebError(
      'IDW_DOWNSTREAM_API_ERROR',
      `DownstreamApis.${apiName} answered a body that is not valid JSON.`,
      { cause: err },
    )
  }
}

function mediaType(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().slice(0, 100)
}
