import type { CacheStore } from '../cache/store.ts'
import type { Logger } from '../logger.ts'
import type { SessionSecret } from './keys.ts'
import type { SessionRevocations } from './revocations.ts'

/**
 * The signed-in user a session belongs to.
 *
 * @example
 * ```ts
 * const user: SessionUser = {
 *   homeAccountId: `${idToken.oid}.${idToken.tid}`,
 *   claims: { name: idToken.name, preferred_username: idToken.preferred_username },
 * }
 * ```
 */
export interface SessionUser {
  /** MSAL home account id (`<oid>.<tid>` for Entra), the token cache partition of the account. */
  homeAccountId: string
  /** Claims kept from the ID token. Keep them few: they are sealed into cookies. */
  claims: Record<string, unknown>
}

/**
 * One user's session. Times are whole seconds since the epoch.
 *
 * @example
 * ```ts
 * const session = await sessions.read(request)
 * if (session) console.log(session.user.claims.name)
 * ```
 */
export interface SessionData {
  /** Random session id (256 bits, base64url), new for every {@link SessionManager.create}. */
  readonly sid: string
  /** When the session was created; the absolute lifetime counts from here. */
  readonly createdAt: number
  /** When the session was last re-sealed; the rolling (idle) lifetime counts from here. */
  lastSeenAt: number
  /** Who signed in: account, claims and home tenant. */
  user: SessionUser
  /** Application data, sealed along with the rest. */
  extra?: Record<string, unknown>
}

/**
 * Where server-side sessions live. Any {@link CacheStore} fits: stores see opaque bytes (the
 * payload is sealed with its own key before it reaches the store) under `idweb:session:<sid>`.
 *
 * @example
 * ```ts
 * const sessions = createSessionManager({ secrets, store: redisStore })
 * ```
 */
export type SessionStore = Pick<CacheStore, 'get' | 'set' | 'delete'>

/**
 * What the session layer reads of a request: its absolute URL (for `Secure` and the `__Host-`
 * prefix) and its headers (the `Cookie` header). A Web `Request` is one; an adapter may pass a
 * lighter view of its framework's request, so that the authenticated path builds no `Request`.
 *
 * @example
 * ```ts
 * const view: SessionRequest = {
 *   url: 'https://app.example/profile',
 *   headers: new Headers({ cookie: 'idweb.session=...' }),
 * }
 * const session = await sessions.read(view)
 * ```
 */
export interface SessionRequest {
  /** The absolute URL, e.g. `https://app.example/profile`. */
  readonly url: string
  /** The request's headers; only `get` and `has` are used. */
  readonly headers: {
    /** The value of header `name` (case-insensitive), repeated values joined; `null` when absent. */
    get(name: string): string | null
    /** Whether the request carries header `name`. */
    has(name: string): boolean
  }
}

/**
 * What a sign-in transaction carries through the round trip to the provider. The web handler
 * decides the fields; `state` is required because it names the cookie and is checked on return.
 *
 * @example
 * ```ts
 * interface SignIn extends TransactionData { nonce: string; codeVerifier: string; returnTo: string }
 * const tx = await sessions.openTransaction<SignIn>(request, url.searchParams.get('state') ?? '')
 * ```
 */
export interface TransactionData {
  /** The `state` sent with the authorization request, which the callback must echo. */
  state: string
  /** The `nonce` the ID token must carry. */
  nonce?: string
  /** The PKCE code verifier for the code redemption. */
  codeVerifier?: string
  /** Same-origin path to go back to after sign-in. */
  returnTo?: string
  /** The scopes asked for, beyond the sign-in ones. */
  scopes?: string[]
  /** The claims challenge sent, when there was one. */
  claims?: string
  /** When the transaction started, epoch ms. */
  createdAt?: number
  [field: string]: unknown
}

/**
 * Options of {@link createSessionManager}. Validated once, at construction.
 *
 * @example
 * ```ts
 * const options: SessionOptions = { secrets: [process.env.SESSION_SECRET ?? ''] }
 * ```
 */
export interface SessionOptions {
  /**
   * Secrets the cookie keys are derived from, each at least 32 characters (or bytes). The first
   * seals; all of them open, so a rotation is: prepend the new secret, remove the old one after
   * {@link SessionOptions.absoluteSeconds}.
   */
  secrets: readonly SessionSecret[]
  /** Session cookie name (chunks add `.0`, `.1`, ...). Default `idweb.session`. */
  cookieName?: string
  /** Prefix of transaction cookie names. Default `idweb.tx.`. */
  transactionCookiePrefix?: string
  /**
   * Prefix cookie names with `__Host-` whenever they are `Secure`, so no subdomain can set or
   * shadow them. Default `false`. Changing it signs everyone out (the cookie name changes).
   */
  hostPrefix?: boolean
  /** Idle lifetime: the session ends this long after it was last re-sealed. Default 86400 (1 day). */
  rollingSeconds?: number
  /** Absolute lifetime from creation, whatever the activity. Default 604800 (7 days). */
  absoluteSeconds?: number
  /**
   * Fraction of {@link SessionOptions.rollingSeconds} after which an unchanged session is
   * re-sealed to extend it. Default 0.1 (with a day of rolling lifetime: at most one extra
   * `Set-Cookie` per 2.4 hours of activity).
   */
  refreshFraction?: number
  /** `Secure` cookies: `'auto'` (default) is Secure unless the request is plain-http loopback. */
  secure?: boolean | 'auto'
  /**
   * Most cookies one session may span (1 to 10, default 3, about 12 KB). Node refuses request
   * headers above 16 KB in total and many proxies refuse header lines above 8 KB, so a larger
   * session belongs in a {@link SessionOptions.store}.
   */
  maxChunks?: number
  /** Keep session payloads server-side; the cookie then holds only the sealed session id. */
  store?: SessionStore
  /**
   * Where ended sessions are recorded, so a copy of a signed-out cookie opens nothing. Default: in
   * this process only. Give one over the shared store when the app runs on several instances.
   */
  revocations?: SessionRevocations
  /** Lifetime of a sign-in transaction cookie. Default 600 (10 minutes). */
  transactionSeconds?: number
  /** Most sign-in transactions pending at once (tabs); the oldest is dropped. Default 5. */
  maxTransactions?: number
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
}
