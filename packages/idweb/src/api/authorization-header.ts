import { BearerError } from './bearer-error.ts'

/**
 * Headers as a framework hands them over: a Web `Request`, a `Headers` object, or a plain record
 * such as Node's `req.headersDistinct` (arrays keep duplicated headers visible; Node's
 * `req.headers` silently drops a second `Authorization`, so adapters should prefer
 * `headersDistinct`).
 *
 * @example
 * ```ts
 * await validator.authenticate(request) // Web Request
 * await validator.authenticate(req.headersDistinct) // Node IncomingMessage
 * ```
 */
export type HeaderSource =
  | Request
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>

// RFC 7235 token68, restricted to what a JWS compact serialization can contain: base64url
// segments separated by dots. Anything else cannot be a token we accept.
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/
const SCHEME = 'bearer '

/**
 * Reads the bearer token from the `Authorization` header, strictly: exactly one header, scheme
 * `Bearer` (any case), one space, a token68 value shaped as a three-segment JWS. The length is
 * checked before anything else so oversized input costs nothing.
 *
 * @throws {BearerError} `missing` when there is no header or another scheme, `malformed_header`
 *   for an empty, duplicated, badly spaced or oversized header, `malformed_token` for a token68
 *   value that is not a JWS.
 *
 * @example
 * ```ts
 * const token = readBearerToken(request, { maxTokenLength: 16_384 })
 * ```
 */
export function readBearerToken(source: HeaderSource, options: { maxTokenLength: number }): string {
  const value = authorizationValue(source)
  if (value === undefined) throw new BearerError('missing', 'No bearer token was presented.')
  if (value.length > options.maxTokenLength + SCHEME.length) {
    throw new BearerError('malformed_header', 'The Authorization header is too long.')
  }
  if (value.length === 0)
    throw new BearerError('malformed_header', 'The Authorization header is empty.')
  const space = value.indexOf(' ')
  const scheme = space === -1 ? value : value.slice(0, space)
  if (scheme.toLowerCase() !== 'bearer') {
    // Another authentication scheme (or none at all): per RFC 6750 §3.1 this is "no credentials",
    // answered with a bare challenge.
    throw new BearerError('missing', 'The Authorization header does not use the Bearer scheme.')
  }
  const token = space === -1 ? '' : value.slice(space + 1)
  if (token.length === 0) {
    throw new BearerError('malformed_header', 'The Authorization header carries no bearer token.')
  }
  if (!TOKEN68.test(token)) {
    throw new BearerError(
      'malformed_header',
      'The Authorization header must be "Bearer", one space, and a single token.',
    )
  }
  if (!JWS_COMPACT.test(token)) {
    throw new BearerError('malformed_token', 'The bearer token is not a signed JWT.')
  }
  return token
}

function authorizationValue(source: HeaderSource): string | undefined {
  if (source instanceof Request || source instanceof Headers) {
    const headers = source instanceof Request ? source.headers : source
    const value = headers.get('authorization') ?? undefined
    // `Headers` joins repeated fields with ", "; no credential we accept contains a comma.
    if (value?.includes(',')) {
      throw new BearerError('malformed_header', 'More than one Authorization header was sent.')
    }
    return value
  }
  let found: string | undefined
  let count = 0
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || name.toLowerCase() !== 'authorization') continue
    if (typeof value === 'string') {
      found = value
      count += 1
    } else {
      for (const item of value) {
        found = item
        count += 1
      }
    }
  }
  if (count > 1) {
    throw new BearerError('malformed_header', 'More than one Authorization header was sent.')
  }
  return found
}
