interface StoredCookie {
  name: string
  value: string
  path: string
  secure: boolean
  expiresAt: number | undefined
}

/**
 * A small cookie jar for HTTP-level tests: keeps cookies per host name (like a browser, ports
 * share cookies), honours `Path`, `Secure`, `Max-Age` and `Expires`, ignores `Domain`.
 *
 * @example
 * ```ts
 * const jar = new CookieJar()
 * const res = await fetch(url, { headers: { cookie: jar.header(url) ?? '' }, redirect: 'manual' })
 * jar.store(url, res.headers)
 * ```
 */
export class CookieJar {
  readonly #byHost = new Map<string, Map<string, StoredCookie>>()

  /** Stores the `Set-Cookie` headers of a response received from `url`. */
  store(url: string | URL, headers: Headers): void {
    const target = new URL(url)
    for (const line of headers.getSetCookie()) this.#storeOne(target, line)
  }

  /** The `Cookie` header value to send to `url`, or `undefined` when no cookie applies. */
  header(url: string | URL): string | undefined {
    const target = new URL(url)
    const now = Date.now()
    const cookies = [...(this.#byHost.get(target.hostname)?.values() ?? [])].filter(
      (c) =>
        (c.expiresAt === undefined || c.expiresAt > now) &&
        (!c.secure || target.protocol === 'https:') &&
        pathMatches(target.pathname, c.path),
    )
    return cookies.length > 0 ? cookies.map((c) => `${c.name}=${c.value}`).join('; ') : undefined
  }

  /** The value of the cookie `name` that would be sent to `url`, if any. */
  get(url: string | URL, name: string): string | undefined {
    const target = new URL(url)
    const now = Date.now()
    for (const c of this.#byHost.get(target.hostname)?.values() ?? []) {
      if (c.name !== name || (c.expiresAt !== undefined && c.expiresAt <= now)) continue
      if (pathMatches(target.pathname, c.path)) return c.value
    }
    return undefined
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#byHost.clear()
  }

  #storeOne(url: URL, line: string): void {
    const [pair = '', ...attributes] = line.split(';')
    const eq = pair.indexOf('=')
    if (eq <= 0) return
    const cookie: StoredCookie = {
      name: pair.slice(0, eq).trim(),
      value: pair.slice(eq + 1).trim(),
      path: defaultPath(url.pathname),
      secure: false,
      expiresAt: undefined,
    }
    for (const attribute of attributes) {
      const [rawKey = '', ...rest] = attribute.split('=')
      const key = rawKey.trim().toLowerCase()
      const value = rest.join('=').trim()
      if (key === 'path' && value.startsWith('/')) cookie.path = value
      else if (key === 'secure') cookie.secure = true
      else if (key === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000
      else if (key === 'expires' && cookie.expiresAt === undefined)
        cookie.expiresAt = Date.parse(value)
    }
    let host = this.#byHost.get(url.hostname)
    if (!host) {
      host = new Map()
      this.#byHost.set(url.hostname, host)
    }
    const key = `${cookie.path}|${cookie.name}`
    if (cookie.expiresAt !== undefined && cookie.expiresAt <= Date.now()) host.delete(key)
    else host.set(key, cookie)
  }
}

function defaultPath(pathname: string): string {
  const i = pathname.lastIndexOf('/')
  return i <= 0 ? '/' : pathname.slice(0, i)
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}
