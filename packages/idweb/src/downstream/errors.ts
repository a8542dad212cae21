import { IdwebError, type IdwebErrorOptions } from '../errors.ts'

/** Bytes of an error body read at most; the rest is discarded unread. */
const EXCERPT_BYTES = 4096
/** Characters of an error body kept in the error. */
const EXCERPT_CHARS = 300
/** Three base64url segments starting like a JSON header: a JWT, whoever's it is. */
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g

/**
 * A downstream API answered with an error status (`IDW_DOWNSTREAM_API_ERROR`). The error's own
 * `status` stays 502 (a bad gateway for the app's caller); the API's answer is in
 * {@link DownstreamApiError.downstreamStatus}. The body excerpt is short, single-line, and has
 * tokens removed, so the error is safe to log.
 *
 * @example
 * ```ts
 * try {
 *   await downstream.call('TodoApi', user)
 * } catch (err) {
 *   if (err instanceof DownstreamApiError && err.downstreamStatus === 404) return notFound()
 *   throw err
 * }
 * ```
 */
export class DownstreamApiError extends IdwebError {
  /** Always `DownstreamApiError`. */
  override readonly name = 'DownstreamApiError'
  /** The configured API name. */
  readonly apiName: string
  /** The HTTP status the downstream API answered. */
  readonly downstreamStatus: number
  /** The first characters of the answer's body, tokens removed; empty if none. */
  readonly bodyExcerpt: string

  constructor(
    apiName: string,
    downstreamStatus: number,
    bodyExcerpt: string,
    options: IdwebErrorOptions & { detail?: string } = {},
  ) {
    super(
      'IDW_DOWNSTREAM_API_ERROR',
      `DownstreamApis.${apiName} answered HTTP ${downstreamStatus}${
        options.detail ? ` (${options.detail})` : ''
      }${bodyExcerpt ? `: ${bodyExcerpt}` : ''}`,
      options,
    )
    this.apiName = apiName
    this.downstreamStatus = downstreamStatus
    this.bodyExcerpt = bodyExcerpt
  }
}

/**
 * Reads at most a few KiB of an error response and returns a one-line excerpt with every JWT and
 * each of `secrets` (the access token sent) replaced by `[redacted]`. Never rejects.
 *
 * @example
 * ```ts
 * const excerpt = await bodyExcerpt(response, [token.accessToken])
 * ```
 */
export async function bodyExcerpt(response: Response, secrets: readonly string[]): Promise<string> {
  if (response.body === null) return ''
  let text: string
  try {
    text = new TextDecoder().decode(await readAtMost(response.body, EXCERPT_BYTES))
  } catch {
    return ''
  }
  for (const secret of secrets) if (secret) text = withoutSecret(text, secret)
  const line = text
    .replace(JWT, '[redacted]')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we strip
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line
}

/** Removes `secret`, and a start of it the read limit may have cut, from `text`. */
function withoutSecret(text: string, secret: string): string {
  let out = text.replaceAll(secret, '[redacted]')
  for (let k = Math.min(secret.length - 1, out.length); k >= 8; k--) {
    if (out.endsWith(secret.slice(0, k))) {
      out = `${out.slice(0, out.length - k)}[redacted]`
      break
    }
  }
  return out
}

async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < limit) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  const out = new Uint8Array(Math.min(size, limit))
  let offset = 0
  for (const chunk of chunks) {
    const part = chunk.subarray(0, out.byteLength - offset)
    out.set(part, offset)
    offset += part.byteLength
    if (offset >= out.byteLength) break
  }
  return out
}
