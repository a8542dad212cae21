import { IdwebError } from '../errors.ts'
import { readChunks, splitChunks } from './chunks.ts'
import { cookieScope, createContext, type SessionContext, sessionAttributes } from './context.ts'
import { parseCookieHeader, serializeCookie } from './cookies.ts'
import { freezeJson } from './opened.ts'
import {
  type CookieRefPayload,
  isAlive,
  isCookieRefPayload,
  isCookieSessionPayload,
  PAYLOAD_VERSION,
  remainingSeconds,
} from './payload.ts'
import {
  isRevoked,
  readCookiePayload,
  readRef,
  readSession,
  readSessionNow,
  STORE_KEY_PREFIX,
} from './read.ts'
import { DEFERRED, seal } from './seal.ts'
import {
  clearAllTransactions,
  clearTransaction,
  openTransaction,
  sealTransaction,
} from './transaction.ts'
import type {
  SessionData,
  SessionOptions,
  SessionRequest,
  SessionUser,
  TransactionData,
} from './types.ts'

/**
 * Reads and writes user sessions and sign-in transactions on Web `Request` headers and
 * `Set-Cookie` values. Framework-neutral: adapters append the returned strings as `Set-Cookie`.
 *
 * @example
 * ```ts
 * // sign-in: remember the transaction until the callback
 * const setCookies = await sessions.sealTransaction({ state, nonce, codeVerifier, returnTo }, request)
 *
 * // callback: the transaction of exactly this state, then delete it
 * const tx = await sessions.openTransaction(request, params.get('state') ?? '')
 * if (!tx) throw new IdwebError('IDW_STATE_INVALID', 'Sign-in expired or was started elsewhere')
 * const clearTx = sessions.clearTransaction(tx.state, request)
 *
 * // sign-out
 * const clearing = await sessions.destroy(request)
 * ```
 */
export interface SessionManager {
  /**
   * The session of `request`, or `undefined` (anonymous) for no cookie and for any cookie that is
   * tampered with, truncated, reordered, duplicated, oversized, sealed with a secret no longer
   * configured, or expired. Never rejects for bad input; a failing store also reads as anonymous.
   */
  read(request: SessionRequest): Promise<SessionData | undefined>
  /**
   * The `Set-Cookie` values that persist `data` for the response to `request`: nothing when `data`
   * is the unchanged object {@link SessionManager.read} returned and less than `refreshFraction` of
   * the rolling lifetime has passed; otherwise a re-seal with `lastSeenAt` set to now, plus
   * deletions of stale chunks. `undefined` ends the session (like {@link SessionManager.destroy}).
   * A frozen session (one {@link SessionManager.touch} handed out) is re-sealed from a copy.
   * Rejects with `IDW_SESSION_TOO_LARGE` when the session needs more than `maxChunks` cookies, and
   * `IDW_STORE_UNAVAILABLE` when the store fails.
   */
  commit(request: SessionRequest, data: SessionData | undefined): Promise<string[]>
  /**
   * {@link SessionManager.read} then {@link SessionManager.commit} of the unchanged session, in
   * one step: what every authenticated request that does not change its session does. Resolves
   * the session (or `undefined`) and the `Set-Cookie` values of a roll, when one is due. The
   * session is frozen, and may be the same object for every request that carries the same
   * cookie: to change a session, `read` it, change it, and `commit` it.
   */
  touch(request: SessionRequest): Promise<Touched>
  /**
   * {@link SessionManager.touch} without waiting, when it can answer so (cookie mode, revocations
   * in process memory, no roll due); `undefined` when the caller must await `touch`.
   */
  touchNow(request: SessionRequest): Touched | undefined
  /** A new session for `user` with a fresh random `sid`: call it at every sign-in (no fixation). */
  create(user: SessionUser, extra?: Record<string, unknown>): SessionData
  /** `Set-Cookie` values deleting every session cookie `request` carries. Touches no store. */
  clear(request: SessionRequest): string[]
  /**
   * Ends the session of `request` (sign-out): records its id as revoked until its cookie's
   * absolute expiry, so a copy of the cookie opens nothing, deletes the server-side session
   * (store mode), and returns {@link SessionManager.clear}'s values. Rejects with
   * `IDW_STORE_UNAVAILABLE` if the session store fails; `clear` still clears cookies.
   */
  destroy(request: SessionRequest): Promise<string[]>
  /**
   * Seals a sign-in transaction into its own cookie, named from a hash of `tx.state`, and drops
   * the oldest pending ones beyond `maxTransactions`. Returns `Set-Cookie` values.
   */
  sealTransaction<T extends TransactionData>(tx: T, request: Request): Promise<string[]>
  /**
   * The transaction whose sealed `state` equals `state` exactly, or `undefined` (missing, expired,
   * tampered, duplicated, or sealed as anything else). The type parameter is trusted: only this
   * manager's key could have sealed it.
   */
  openTransaction<T extends TransactionData = TransactionData>(
    request: Request,
    state: string,
  ): Promise<T | undefined>
  /** The `Set-Cookie` value deleting the transaction cookie of `state`. */
  clearTransaction(state: string, requestUrl: Request | URL | string): string
  /** `Set-Cookie` values deleting every pending transaction cookie of `request`. */
  clearAllTransactions(request: Request): string[]
}

/**
 * Creates the session manager. Validates options (a {@link ConfigError} names the bad setting)
 * and derives one key per purpose from `secrets` with HKDF.
 *
 * Cookies: `idweb.session` (or `idweb.session.0`, `.1`, ... above ~3.8 KB), `HttpOnly`,
 * `SameSite=Lax`, `Path=/`, host-only, `Secure` unless the request is plain-http loopback, and
 * `Max-Age` no later than the session's end.
 *
 * @example
 * ```ts
 * const sessions = createSessionManager({ secrets: [process.env.SESSION_SECRET ?? ''] })
 *
 * // at sign-in, after the ID token is validated:
 * const session = sessions.create({ homeAccountId: `${claims.oid}.${claims.tid}`, claims })
 * for (const c of await sessions.commit(request, session)) headers.append('set-cookie', c)
 *
 * // on every request:
 * const current = await sessions.read(request)
 * for (const c of await sessions.commit(request, current)) headers.append('set-cookie', c)
 * ```
 */
export function createSessionManager(options: SessionOptions): SessionManager {
  const ctx = createContext(options)
  // What each object returned by read() looked like, to skip writes when nothing changed.
  const snapshots = new WeakMap<SessionData, string>()

  const manager: SessionManager = {
    async read(request) {
      const data = await readSession(ctx, request)
      if (data !== undefined) snapshots.set(data, JSON.stringify(data))
      return data
    },

    touchNow(request) {
      const session = readSessionNow(ctx, request)
      if (session === DEFERRED) return undefined
      if (session === undefined) return { session, setCookies: [] }
      return rollDue(ctx, session) ? undefined : { session, setCookies: [] }
    },

    async touch(request) {
      const now = manager.touchNow(request)
      if (now !== undefined) return now
      const session = await readSession(ctx, request)
      if (session === undefined) return { session, setCookies: [] }
      if (!rollDue(ctx, session)) return { session: freezeJson(session), setCookies: [] }
      // A roll is due: commit it as an unchanged session read here.
      snapshots.set(session, JSON.stringify(session))
      const setCookies = await manager.commit(request, session)
      return { session: freezeJson(session), setCookies }
    },

    async commit(request, given) {
      if (given === undefined) return manager.destroy(request)
      // A session `touch` handed out is frozen and shared: commit a copy of it.
      const data = Object.isFrozen(given) ? structuredClone(given) : given
      const now = ctx.now()
      const snapshot = snapshots.get(data)
      // A new session (a sign-in) replaces the one the request carries: that one ends now.
      if (snapshot === undefined) await retireReplaced(ctx, request, data.sid)
      if (
        snapshot !== undefined &&
        snapshot === JSON.stringify(data) &&
        now - data.lastSeenAt < ctx.rollingSeconds * ctx.refreshFraction &&
        isAlive(data.createdAt, data.lastSeenAt, now, ctx.rollingSeconds, ctx.absoluteSeconds)
      ) {
        return []
      }
      // Activity extends a live session; it never revives one that has already ended.
      if (
        data.createdAt > now ||
        !isAlive(data.createdAt, data.lastSeenAt, now, ctx.rollingSeconds, ctx.absoluteSeconds)
      ) {
        // Already over by its own lifetimes: nothing to revoke, only cookies to clear.
        return end(ctx, request, manager.clear(request))
      }
      // A sign-out that landed after this request read its session must not be undone by the
      // re-seal (in store mode it would write the deleted session back).
      if (await isRevoked(ctx, data)) return end(ctx, request, manager.clear(request))
      const maxAge = remainingSeconds(
        data.createdAt,
        now,
        now,
        ctx.rollingSeconds,
        ctx.absoluteSeconds,
      )
      data.lastSeenAt = now
      const headers = await writeSession(ctx, request, data, maxAge)
      snapshots.set(data, JSON.stringify(data))
      return headers
    },

    create(user, extra) {
      const now = ctx.now()
      const data: SessionData = { sid: randomId(), createdAt: now, lastSeenAt: now, user }
      if (extra !== undefined) data.extra = extra
      return data
    },

    clear(request) {
      const { secure, prefix } = cookieScope(ctx, request)
      const name = prefix + ctx.cookieName
      const cookies = parseCookieHeader(request.headers.get('cookie'))
      const { present } = readChunks(cookies, name, ctx.maxChunks)
      return (present.length > 0 ? present : [name]).map((n) =>
        serializeCookie(n, '', sessionAttributes(secure, 0)),
      )
    },

    async destroy(request) {
      const ended = identify(await readCookiePayload(ctx, request))
      if (ended !== undefined) {
        await ctx.revocations.revoke(ended.sid, ended.createdAt + ctx.absoluteSeconds)
      }
      return end(ctx, request, manager.clear(request))
    },

    sealTransaction: (tx, request) => sealTransaction(ctx, tx, request),
    openTransaction: (request, state) => openTransaction(ctx, request, state),
    clearTransaction: (state, requestUrl) => clearTransaction(ctx, state, requestUrl),
    clearAllTransactions: (request) => clearAllTransactions(ctx, request),
  }
  return Object.freeze(manager)
}

/** Deletes the server-side session of `request` (store mode); resolves `clearing`. */
async function end(
  ctx: SessionContext,
  request: SessionRequest,
  clearing: string[],
): Promise<string[]> {
  if (ctx.store !== undefined) {
    const ref = await readRef(ctx, request)
    if (ref !== undefined) await storeCall(() => ctx.store?.delete(STORE_KEY_PREFIX + ref.r))
  }
  return clearing
}

/** Revokes the live session `request` carries when a new session `sid` takes its place. */
async function retireReplaced(
  ctx: SessionContext,
  request: SessionRequest,
  sid: string,
): Promise<void> {
  if (!request.headers.has('cookie')) return
  const previous = identify(await readCookiePayload(ctx, request))
  if (previous === undefined || previous.sid === sid) return
  await ctx.revocations.revoke(previous.sid, previous.createdAt + ctx.absoluteSeconds)
}

/** What {@link SessionManager.touch} found: the session, and the cookies of a roll. */
export interface Touched {
  /** The live session, frozen; `undefined` for an anonymous request. */
  session: SessionData | undefined
  /** `Set-Cookie` values to send (a roll), usually none. */
  setCookies: string[]
}

/** Whether `session` is due to be re-sealed with a new `lastSeenAt` (a roll). */
function rollDue(ctx: SessionContext, session: SessionData): boolean {
  return ctx.now() - session.lastSeenAt >= ctx.rollingSeconds * ctx.refreshFraction
}

/** The session id and creation time a sealed cookie payload names, in either mode. */
function identify(payload: unknown): { sid: string; createdAt: number } | undefined {
  if (isCookieSessionPayload(payload)) return { sid: payload.s.sid, createdAt: payload.s.createdAt }
  if (isCookieRefPayload(payload)) return { sid: payload.r, createdAt: payload.c }
  return undefined
}

async function writeSession(
  ctx: SessionContext,
  request: SessionRequest,
  data: SessionData,
  maxAge: number,
): Promise<string[]> {
  const { secure, prefix } = cookieScope(ctx, request)
  const name = prefix + ctx.cookieName
  let value: string
  if (ctx.store === undefined) {
    value = await seal(await ctx.keys('session'), { v: PAYLOAD_VERSION, s: data })
  } else {
    const store = ctx.store
    const previous = await readRef(ctx, request)
    const entry = await seal(await ctx.keys('store'), { v: PAYLOAD_VERSION, s: data })
    await storeCall(() =>
      store.set(STORE_KEY_PREFIX + data.sid, new TextEncoder().encode(entry), maxAge),
    )
    // A new sign-in over an old session: the old server-side entry goes now, not at its TTL.
    if (previous !== undefined && previous.r !== data.sid) {
      await storeCall(() => store.delete(STORE_KEY_PREFIX + previous.r))
    }
    const ref: CookieRefPayload = {
      v: PAYLOAD_VERSION,
      r: data.sid,
      c: data.createdAt,
      l: data.lastSeenAt,
    }
    value = await seal(await ctx.keys('session'), ref)
  }
  const chunks = splitChunks(name, value, ctx.maxChunks)
  if (chunks === undefined) {
    throw new IdwebError(
      'IDW_SESSION_TOO_LARGE',
      `The session seals to ${value.length} bytes, more than session.maxChunks (${ctx.maxChunks}) cookies hold: keep fewer claims or extra data in it, or configure session.store`,
    )
  }
  const attributes = sessionAttributes(secure, maxAge)
  const headers = chunks.map(([n, v]) => serializeCookie(n, v, attributes))
  const written = new Set(chunks.map(([n]) => n))
  const cookies = parseCookieHeader(request.headers.get('cookie'))
  for (const stale of readChunks(cookies, name, ctx.maxChunks).present) {
    if (!written.has(stale)) headers.push(serializeCookie(stale, '', sessionAttributes(secure, 0)))
  }
  return headers
}

async function storeCall(call: () => Promise<void> | undefined): Promise<void> {
  try {
    await call()
  } catch (err) {
    throw new IdwebError('IDW_STORE_UNAVAILABLE', 'The session store failed', { cause: err })
  }
}

function randomId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(32))
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}
