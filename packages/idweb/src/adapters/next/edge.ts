/**
 * idweb for Next.js's `middleware.ts` (`idweb/next/edge`): a session check on WebCrypto alone,
 * with no Node built-in anywhere in its imports, so that it runs on the edge runtime.
 *
 * It opens the session cookie with the same secrets as the app and checks its lifetimes. What it
 * cannot see from the edge is a revocation (a sign-out elsewhere, held in process memory or the
 * shared store): it is the fast first gate that turns strangers away before any rendering, and the
 * server side (`getIdentity`, `withIdentity`, the route handlers of `idweb/next`) stays the
 * authority on who is signed in.
 *
 * @example
 * ```ts
 * // middleware.ts
 * import { requireSession } from 'idweb/next/edge'
 *
 * export default requireSession({ secrets: [process.env.IDWEB_SESSION_SECRET ?? ''] })
 * export const config = { matcher: ['/profile/:path*', '/api/private/:path*'] }
 * ```
 *
 * @packageDocumentation
 */

import { CHUNK_VALUE_LENGTH, readChunks } from '../../session/chunks.ts'
import { cookieSecure, parseCookieHeader, requestUrl } from '../../session/cookies.ts'
import {
  checkSecrets,
  deriveKeyRing,
  type KeyRing,
  type SessionSecret,
} from '../../session/keys.ts'
import {
  DEFAULT_ABSOLUTE_SECONDS,
  DEFAULT_MAX_CHUNKS,
  DEFAULT_ROLLING_SECONDS,
  isAlive,
  isCookieRefPayload,
  isCookieSessionPayload,
} from '../../session/payload.ts'
import { open } from '../../session/seal.ts'
import { notSignedInAnswer } from '../shared/not-signed-in.ts'

/**
 * What the edge check must know of the app's session settings: the same values as the app's
 * `session` options (only `secrets` is required; the rest default as there).
 *
 * @example
 * ```ts
 * const options: EdgeSessionOptions = { secrets: [process.env.IDWEB_SESSION_SECRET ?? ''] }
 * ```
 */
export interface EdgeSessionOptions {
  /** The app's `session.secrets`, newest first: any of them opens a cookie. */
  secrets: readonly SessionSecret[]
  /** The app's `session.cookieName`. Default `idweb.session`. */
  cookieName?: string
  /** The app's `session.hostPrefix`: over https the cookie is named `__Host-<cookieName>`. */
  hostPrefix?: boolean
  /** The app's `session.secure`. Default `'auto'`: Secure except on plain-http loopback. */
  secure?: boolean | 'auto'
  /** The app's `session.rollingSeconds`. Default one day. */
  rollingSeconds?: number
  /** The app's `session.absoluteSeconds`. Default a week. */
  absoluteSeconds?: number
  /** The app's `session.maxChunks`. Default 3. */
  maxChunks?: number
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number
}

/**
 * What {@link sessionCheck} found. `claims` are the ID token claims the cookie carries when the
 * session lives in the cookie; with a session store the cookie holds only a reference, and
 * `claims` is `undefined`.
 */
export type EdgeSession = EdgeAnonymous | EdgeSignedIn

/** No live session. */
export interface EdgeAnonymous {
  /** Always `false`. */
  readonly signedIn: false
}

/** A live session (not revoked, as far as the edge can tell). */
export interface EdgeSignedIn {
  /** Always `true`. */
  readonly signedIn: true
  /** The ID token claims the cookie carries; `undefined` with a session store. */
  readonly claims: Readonly<Record<string, unknown>> | undefined
}

const ANONYMOUS: EdgeSession = Object.freeze({ signedIn: false })

/**
 * Builds the edge session check: a function from a request to {@link EdgeSession}. The secrets
 * are checked at once (a `ConfigError` names the bad one); the keys are derived on first use.
 * Never throws on a request: a missing, foreign, tampered, expired or oversized cookie is
 * `{ signedIn: false }`.
 *
 * @example
 * ```ts
 * const check = sessionCheck({ secrets: [process.env.IDWEB_SESSION_SECRET ?? ''] })
 * export async function middleware(request: Request) {
 *   if (!(await check(request)).signedIn) return Response.redirect(new URL('/signin', request.url))
 * }
 * ```
 */
export function sessionCheck(
  options: EdgeSessionOptions,
): (request: Request) => Promise<EdgeSession> {
  const secrets = checkSecrets(options.secrets, 'secrets')
  const cookieName = options.cookieName ?? 'idweb.session'
  const rolling = options.rollingSeconds ?? DEFAULT_ROLLING_SECONDS
  const absolute = options.absoluteSeconds ?? DEFAULT_ABSOLUTE_SECONDS
  const maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS
  const now = options.now ?? Date.now
  let ring: Promise<KeyRing> | undefined
  return async (request) => {
    const header = request.headers.get('cookie')
    if (header === null) return ANONYMOUS
    let name = cookieName
    if (options.hostPrefix) {
      let url: URL
      try {
        url = requestUrl(request)
      } catch {
        return ANONYMOUS
      }
      if (cookieSecure(options.secure ?? 'auto', url)) name = `__Host-${cookieName}`
    }
    const value = readChunks(parseCookieHeader(header), name, maxChunks).value
    if (value === undefined) return ANONYMOUS
    ring ??= deriveKeyRing(secrets, 'session')
    const payload = await open(await ring, value, maxChunks * CHUNK_VALUE_LENGTH)
    const seconds = Math.floor(now() / 1000)
    if (isCookieSessionPayload(payload)) {
      const s = payload.s
      if (!isAlive(s.createdAt, s.lastSeenAt, seconds, rolling, absolute)) return ANONYMOUS
      return { signedIn: true, claims: Object.freeze({ ...s.user.claims }) }
    }
    if (isCookieRefPayload(payload) && isAlive(payload.c, payload.l, seconds, rolling, absolute)) {
      return { signedIn: true, claims: undefined }
    }
    return ANONYMOUS
  }
}

/**
 * Options of {@link requireSession}: the app's session settings and its sign-in route.
 *
 * @example
 * ```ts
 * const options: RequireSessionOptions = { secrets: [secret], signInPath: '/auth/signin' }
 * ```
 */
export interface RequireSessionOptions extends EdgeSessionOptions {
  /** The app's `signInPath`. Default `/signin`. */
  signInPath?: string
}

/**
 * A Next.js middleware that lets only requests with a live session through (it returns nothing,
 * and Next.js goes on). Without one, a person's navigation is redirected (302) to the sign-in
 * route of this origin (an absolute URL, as Next.js requires) with `returnTo` set to the page; a program (XHR, `Accept: application/json`) gets 401
 * JSON `{ "error": "IDW_NOT_SIGNED_IN" }`, as `requireUser` answers on the server.
 *
 * @example
 * ```ts
 * // middleware.ts
 * export default requireSession({ secrets: [process.env.IDWEB_SESSION_SECRET ?? ''] })
 * export const config = { matcher: ['/profile/:path*'] }
 * ```
 */
export function requireSession(
  options: RequireSessionOptions,
): (request: Request) => Promise<Response | undefined> {
  const check = sessionCheck(options)
  const signInPath = options.signInPath ?? '/signin'
  return async (request) => {
    if ((await check(request)).signedIn) return undefined
    const answer = notSignedInAnswer(signInPath, request)
    const location = answer.headers.get('location')
    // Next.js takes only absolute URLs in a middleware's redirect.
    if (location !== null) answer.headers.set('location', new URL(location, request.url).href)
    return answer
  }
}
