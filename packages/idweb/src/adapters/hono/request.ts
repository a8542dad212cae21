import type { Context } from 'hono'
import type { SessionRequest } from '../../session/types.ts'
import type { Idweb } from '../../web/idweb.ts'
import type { Authentication } from '../../web/user.ts'

const NO_ONE: Authentication = Object.freeze({ user: undefined, setCookies: [] })

/**
 * The `Set-Cookie` values of a request's session that its answer has yet to carry, kept for the
 * error handler when the route failed before it could append them.
 */
export const unsentCookies = new WeakMap<Context, readonly string[]>()

/**
 * Who sent `c`'s request: the session in its `Cookie` header, answered synchronously when it can
 * be. A request without a `Cookie` header costs nothing. The header is read once: on
 * @hono/node-server every read scans it again.
 */
export function authenticateContext(
  app: Idweb,
  c: Context,
): Authentication | Promise<Authentication> {
  const request = c.req.raw
  const cookie = nodeCookie(c.env) ?? request.headers.get('cookie')
  return cookie === null ? NO_ONE : app.authenticateNow(new CookieView(request, cookie))
}

/**
 * The `Cookie` header as Node's HTTP parser gave it, under @hono/node-server (its bindings are `{
 * incoming, outgoing }`), or `undefined` on any other runtime. The server's Fetch view of the
 * headers validates a value again on every read, the largest single cost of an authenticated
 * request there; Node's parser already refused the control characters that check looks for, and
 * joins repeated `Cookie` headers with `; ` as the Fetch standard does.
 */
function nodeCookie(env: unknown): string | null | undefined {
  if (typeof env !== 'object' || env === null || !('outgoing' in env)) return undefined
  const { incoming, outgoing } = env as NodeBindings
  if (typeof outgoing?.writeHead !== 'function') return undefined
  const headers = incoming?.headers
  if (typeof headers !== 'object' || headers === null) return undefined
  const cookie = (headers as { cookie?: unknown }).cookie
  return typeof cookie === 'string' ? cookie : null
}

/** @hono/node-server's bindings, as far as {@link nodeCookie} reads them. */
interface NodeBindings {
  incoming?: { headers?: unknown }
  outgoing?: { writeHead?: unknown }
}

/** What the session layer reads of a request, with its `Cookie` header already read. */
class CookieView implements SessionRequest {
  readonly #request: Request
  readonly #cookie: string

  constructor(request: Request, cookie: string) {
    this.#request = request
    this.#cookie = cookie
  }

  get url(): string {
    return this.#request.url
  }

  get headers(): SessionRequest['headers'] {
    return this
  }

  get(name: string): string | null {
    return name.toLowerCase() === 'cookie' ? this.#cookie : this.#request.headers.get(name)
  }

  has(name: string): boolean {
    return this.get(name) !== null
  }
}

/**
 * `response` with the session's `Set-Cookie` values appended: a copy, as its headers may be
 * immutable, except for a status a `Response` cannot be built with (a `101` upgrade), whose own
 * headers get them when they can.
 */
export function withSetCookies(response: Response, cookies: readonly string[]): Response {
  if (cookies.length === 0) return response
  if (response.status < 200 || response.status > 599) {
    try {
      for (const cookie of cookies) response.headers.append('set-cookie', cookie)
    } catch {
      // Immutable headers on an upgrade: the session rolls on a later request.
    }
    return response
  }
  const out = new Response(response.body, response)
  for (const cookie of cookies) out.headers.append('set-cookie', cookie)
  return out
}
