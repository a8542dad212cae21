const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

function loopbackKey(uri: string): string | undefined {
  const url = URL.parse(uri)
  if (url?.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) return undefined
  return `${url.hostname}${url.pathname}${url.search}`
}

/**
 * Entra's redirect URI rule: exact match, except that for `http://localhost`, `http://127.0.0.1`
 * and `http://[::1]` the port is ignored (RFC 8252 loopback redirects). The path must still match.
 */
export function redirectUriMatches(registered: readonly string[], value: string): boolean {
  if (registered.includes(value)) return true
  const key = loopbackKey(value)
  if (key === undefined) return false
  return registered.some((uri) => loopbackKey(uri) === key)
}
