/**
 * The longest `returnTo` idweb keeps, given and once normalised (percent-encoding can make it up
 * to nine times longer); longer values fall back to the default.
 */
const MAX_RETURN_TO = 2048
const PLACEHOLDER_ORIGIN = 'http://return-to.invalid'
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/

/**
 * The same-origin path to send the user back to, or `fallback`. The value is normalised first
 * (dot segments resolved, as the browser will), and the decision is taken on the normalised path,
 * which is what the redirect carries: it must start with exactly one `/`, hold no backslash, and
 * resolve to itself on this origin. Absolute URLs, protocol-relative `//host`, dot-segment tricks
 * (`/.//host`, `/a/..//host`, `/%2e//host`), backslashes (`/\host`) and control characters (which
 * URL parsers strip, turning `/\t/host` into `//host`) are refused. So is a path that a server
 * decoding it once more would turn into `//host` (`/%2F%2Fhost`, `/%252e//host`).
 *
 * @example
 * ```ts
 * safeReturnTo('/todos?page=2')        // '/todos?page=2'
 * safeReturnTo('/a/../b')              // '/b'
 * safeReturnTo('/.//evil.example')     // '/'
 * safeReturnTo('https://evil.example') // '/'
 * ```
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_TO) {
    return fallback
  }
  if (!value.startsWith('/') || CONTROL.test(value)) return fallback
  const url = parse(value)
  if (url === undefined) return fallback
  const path = `${url.pathname}${url.search}${url.hash}`
  return path.length <= MAX_RETURN_TO && isPlainPath(path, url.pathname) ? path : fallback
}

/** `value` resolved on the placeholder origin, or `undefined` when it leaves it or is no URL. */
function parse(value: string): URL | undefined {
  try {
    const url = new URL(value, PLACEHOLDER_ORIGIN)
    return url.origin === PLACEHOLDER_ORIGIN ? url : undefined
  } catch {
    return undefined
  }
}

/** Whether the normalised `path` (of which `pathname` is the path part) is safe to redirect to. */
function isPlainPath(path: string, pathname: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return false
  // What the browser resolves the redirect to must be exactly this path on this origin.
  const again = parse(path)
  if (again === undefined || `${again.pathname}${again.search}${again.hash}` !== path) return false
  // A proxy or server that decodes the path once more before redirecting must not find a host.
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return false
  }
  if (decoded.startsWith('//') || decoded.includes('\\') || CONTROL.test(decoded)) return false
  const reparsed = parse(decoded)
  return reparsed !== undefined && !reparsed.pathname.startsWith('//')
}

/** The page a request is for, as a same-origin path: where a sign-in or re-challenge returns to. */
export function pageOf(request: { url: string }): string {
  const url = new URL(request.url)
  return safeReturnTo(`${url.pathname}${url.search}`)
}
