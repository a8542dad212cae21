import type { SessionStore } from '../../src/session/index.ts'

/** Long enough secrets for tests. */
export const SECRET_A = 'test-secret-A-0123456789abcdefghijklmnop'
export const SECRET_B = 'test-secret-B-0123456789abcdefghijklmnop'
export const SECRET_C = 'test-secret-C-0123456789abcdefghijklmnop'

export const HTTPS = 'https://app.example/'
export const LOOPBACK = 'http://localhost:3000/'

/** A settable clock in milliseconds, starting at a whole second. */
export function testClock(startSeconds = 1_800_000_000) {
  let ms = startSeconds * 1000
  return {
    now: () => ms,
    seconds: () => Math.floor(ms / 1000),
    set: (seconds: number) => {
      ms = seconds * 1000
    },
    advance: (seconds: number) => {
      ms += seconds * 1000
    },
  }
}

/** The parts of one `Set-Cookie` value. */
export function parseSetCookie(header: string) {
  const [pair = '', ...attrs] = header.split('; ')
  const eq = pair.indexOf('=')
  const attributes = new Map<string, string>()
  for (const a of attrs) {
    const i = a.indexOf('=')
    attributes.set((i === -1 ? a : a.slice(0, i)).toLowerCase(), i === -1 ? '' : a.slice(i + 1))
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes }
}

/** A browser's cookie jar, enough for tests: applies `Set-Cookie` values, builds `Cookie`. */
export class Jar {
  readonly cookies = new Map<string, string>()

  apply(headers: readonly string[]): this {
    for (const h of headers) {
      const { name, value, attributes } = parseSetCookie(h)
      if (attributes.get('max-age') === '0') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return this
  }

  header(): string {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ')
  }

  request(url = HTTPS): Request {
    return requestWith(this.header(), url)
  }

  names(): string[] {
    return [...this.cookies.keys()].sort()
  }
}

/** A request carrying exactly `cookie` as its Cookie header. */
export function requestWith(cookie: string | undefined, url = HTTPS): Request {
  return new Request(url, cookie === undefined ? {} : { headers: { cookie } })
}

/** An in-memory {@link SessionStore} that can be made to fail. */
export class MemoryStore implements SessionStore {
  readonly entries = new Map<string, { value: Uint8Array; ttl: number | undefined }>()
  failing = false

  async get(key: string) {
    if (this.failing) throw new Error('store down')
    return this.entries.get(key)?.value
  }

  async set(key: string, value: Uint8Array, ttlSeconds?: number) {
    if (this.failing) throw new Error('store down')
    this.entries.set(key, { value, ttl: ttlSeconds })
  }

  async delete(key: string) {
    if (this.failing) throw new Error('store down')
    this.entries.delete(key)
  }
}

export const USER = { homeAccountId: 'oid-1.tid-1', claims: { name: 'Ada', oid: 'oid-1' } }

/** Claims large enough to need `n` chunks or so (random, so they do not compress). */
export function bulkyClaims(bytes: number): Record<string, unknown> {
  const groups: string[] = []
  let size = 0
  while (size < bytes) {
    const g = crypto.randomUUID()
    groups.push(g)
    size += g.length + 3
  }
  return { name: 'Ada', groups }
}
