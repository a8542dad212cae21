/** The longest `returnTo` idweb keeps; longer values fall back to the default. */
const MAX_RETURN_TO = 2048
const PLACEHOLDER_ORIGIN = 'http://return-to.invalid'

/**
 * The same-origin path to send the user back to, or `fallback`. Only a path on this app is
 * accepted: absolute URLs, protocol-relative `//host`, backslash tricks (`/\host`), control
 * characters (which URL parsers strip, turning `/\t/host` into `//host`) and anything that resolves
 * to another origin are refused. The result is the normalised path, query and fragment.
 *
 * @example
 * ```ts
 * safeReturnTo('/todos?page=2')        // '/todos?page=2'
 * safeReturnTo('//evil.example')       // '/'
 * safeReturnTo('https://evil.example') // '/'
 * ```
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_TO) {
    return fallback
  }
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback
  let decoded: string
  try {
    decoded = decodeURIComponent(value)
  } catch {
    return fallback
  }
  // An encoded '//' or '\' is harmless to browsers but some servers decode before redirecting.
  if (decoded.startsWith('//') || decoded.includes('\\')) return fallback
  let url: URL
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN)
  } catch {
    return fallback
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback
  return `${url.pathname}${url.search}${url.hash}`
}
