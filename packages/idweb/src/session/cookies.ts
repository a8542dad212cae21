/**
 * Cookie header parsing and `Set-Cookie` serialization (RFC 6265 §4.1, §5.2), small on purpose.
 *
 * Parsing is defensive: it never throws, does one linear pass, ignores headers longer than
 * {@link MAX_COOKIE_HEADER_LENGTH} and stops after {@link MAX_COOKIES} pairs. Values are not
 * percent-decoded: idweb's own values are base64url and `.`, and leaving others byte-exact means a
 * value read is the value written. A pair whose name is not an RFC 6265 token, or whose value holds
 * a byte outside `cookie-octet`, is skipped.
 *
 * Duplicate names: the first occurrence wins in {@link ParsedCookies.values} (browsers send the
 * cookie with the longest path, then the oldest, first) and the name is recorded in
 * {@link ParsedCookies.duplicates}. The session layer treats a duplicated name of its own as
 * anonymous, which also defeats a sibling subdomain "tossing" a second cookie of the same name.
 *
 * Serialization validates the name and value and throws a `TypeError` on invalid input: only code,
 * never a request, can reach it with bad values.
 */

/** Cookie headers longer than this (64 KiB) are ignored entirely. */
export const MAX_COOKIE_HEADER_LENGTH = 65_536
/** At most this many `name=value` pairs of one header are looked at. */
export const MAX_COOKIES = 300

/** The cookies of one `Cookie` header. */
export interface ParsedCookies {
  /** Name → value, first occurrence wins. */
  readonly values: ReadonlyMap<string, string>
  /** Names that occurred more than once. */
  readonly duplicates: ReadonlySet<string>
}

// RFC 7230 tchar: ! # $ % & ' * + - . ^ _ ` | ~ DIGIT ALPHA
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// RFC 6265 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/

/** Whether `name` may be used as a cookie name (an RFC 7230 token). */
export function isCookieName(name: string): boolean {
  return TOKEN.test(name)
}

/** Whether `value` consists only of RFC 6265 `cookie-octet`s (no quotes, spaces, `,`, `;`, `\`). */
export function isCookieValue(value: string): boolean {
  return COOKIE_OCTETS.test(value)
}

/**
 * Parses a `Cookie` request header. Never throws; garbage yields fewer (or no) cookies.
 *
 * @example
 * ```ts
 * const { values, duplicates } = parseCookieHeader(request.headers.get('cookie'))
 * const sid = duplicates.has('sid') ? undefined : values.get('sid')
 * ```
 */
export function parseCookieHeader(header: string | null | undefined): ParsedCookies {
  const values = new Map<string, string>()
  let duplicates: Set<string> | undefined
  if (typeof header !== 'string' || header.length > MAX_COOKIE_HEADER_LENGTH) {
    return { values, duplicates: NO_DUPLICATES }
  }
  let start = 0
  let pairs = 0
  while (start <= header.length && pairs < MAX_COOKIES) {
    let end = header.indexOf(';', start)
    if (end === -1) end = header.length
    const pair = header.slice(start, end)
    start = end + 1
    pairs++
    const eq = pair.indexOf('=')
    if (eq === -1) continue
    const name = trimOws(pair.slice(0, eq))
    let value = trimOws(pair.slice(eq + 1))
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1)
    }
    if (!isCookieName(name) || !isCookieValue(value)) continue
    if (!values.has(name)) values.set(name, value)
    else {
      duplicates ??= new Set()
      duplicates.add(name)
    }
  }
  return { values, duplicates: duplicates ?? NO_DUPLICATES }
}

/** The duplicates of a header without any: shared, since nobody may add to it. */
const NO_DUPLICATES: ReadonlySet<string> = new Set()

function trimOws(s: string): string {
  let a = 0
  let b = s.length
  while (a < b && (s[a] === ' ' || s[a] === '\t')) a++
  while (b > a && (s[b - 1] === ' ' || s[b - 1] === '\t')) b--
  return s.slice(a, b)
}

/** `Set-Cookie` attributes idweb writes. */
export interface CookieAttributes {
  /** Seconds until the browser drops the cookie; `0` deletes it. Omitted: a browser-session cookie. */
  maxAge?: number
  /** Defaults to `/`. */
  path?: string
  /** Omitted by default (host-only cookie), which is what `__Host-` requires. */
  domain?: string
  /** The `Secure` attribute: sent over HTTPS only. */
  secure: boolean
  /** The `HttpOnly` attribute: out of reach of page scripts. */
  httpOnly: boolean
  /** The `SameSite` attribute. */
  sameSite: 'Strict' | 'Lax' | 'None'
}

/**
 * Serializes one `Set-Cookie` header value. Throws a `TypeError` for a name that is not a token,
 * a value outside `cookie-octet`, an invalid `Max-Age`, `SameSite=None` without `Secure`, or a
 * `__Host-`/`__Secure-` name whose prefix rules are not met.
 *
 * @example
 * ```ts
 * response.headers.append(
 *   'set-cookie',
 *   serializeCookie('idweb.session', sealed, { maxAge: 3600, secure: true, httpOnly: true, sameSite: 'Lax' }),
 * )
 * ```
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!isCookieName(name)) throw new TypeError(`invalid cookie name: ${JSON.stringify(name)}`)
  if (!isCookieValue(value)) throw new TypeError(`invalid value for cookie ${name}`)
  const path = attributes.path ?? '/'
  if (!/^\/[\x21-\x3A\x3C-\x7E]*$/.test(path)) throw new TypeError(`invalid cookie path: ${path}`)
  if (attributes.domain !== undefined && !/^[A-Za-z0-9.-]+$/.test(attributes.domain)) {
    throw new TypeError(`invalid cookie domain: ${attributes.domain}`)
  }
  if (attributes.sameSite === 'None' && !attributes.secure) {
    throw new TypeError(`cookie ${name}: SameSite=None requires Secure`)
  }
  if ((name.startsWith('__Host-') || name.startsWith('__Secure-')) && !attributes.secure) {
    throw new TypeError(`cookie ${name}: its prefix requires Secure`)
  }
  if (name.startsWith('__Host-') && (path !== '/' || attributes.domain !== undefined)) {
    throw new TypeError(`cookie ${name}: __Host- requires Path=/ and no Domain`)
  }
  let out = `${name}=${value}; Path=${path}`
  if (attributes.maxAge !== undefined) {
    if (!Number.isSafeInteger(attributes.maxAge) || attributes.maxAge < 0) {
      throw new TypeError(`cookie ${name}: Max-Age must be a non-negative integer`)
    }
    out += `; Max-Age=${attributes.maxAge}`
    // Expires too, for the few clients that ignore Max-Age; a deletion uses the epoch.
    if (attributes.maxAge === 0) out += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
  }
  if (attributes.domain !== undefined) out += `; Domain=${attributes.domain}`
  if (attributes.secure) out += '; Secure'
  if (attributes.httpOnly) out += '; HttpOnly'
  out += `; SameSite=${attributes.sameSite}`
  return out
}

/**
 * Whether `url` is plain-http on a loopback host (`localhost`, `*.localhost`, `127.0.0.0/8`,
 * `[::1]`): the one place idweb writes cookies without `Secure`, because browsers drop `Secure`
 * cookies set over plain http (Chromium and Firefox make an exception for localhost, Safari does
 * not).
 *
 * @example
 * ```ts
 * isPlainHttpLoopback(new URL('http://localhost:3000/')) // true
 * isPlainHttpLoopback(new URL('http://app.internal/'))   // false: production behind a proxy
 * ```
 */
export function isPlainHttpLoopback(url: URL): boolean {
  if (url.protocol !== 'http:') return false
  const host = url.hostname.toLowerCase()
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  )
}

/**
 * Decides `Secure` for a request: an explicit boolean wins; `'auto'` means Secure unless the
 * request is plain-http loopback. A plain-http request to any other host therefore still gets
 * `Secure` cookies, which the browser will refuse: failing closed beats sending a session in clear.
 *
 * @example
 * ```ts
 * cookieSecure('auto', new URL('https://app.example/')) // true
 * ```
 */
export function cookieSecure(option: boolean | 'auto', url: URL): boolean {
  return option === 'auto' ? !isPlainHttpLoopback(url) : option
}

/**
 * The URL of `input`: a `Request`, a `URL` or an absolute URL string.
 *
 * @example
 * ```ts
 * requestUrl(request).hostname
 * ```
 */
export function requestUrl(input: { url: string } | URL | string): URL {
  if (input instanceof URL) return input
  return new URL(typeof input === 'string' ? input : input.url)
}
