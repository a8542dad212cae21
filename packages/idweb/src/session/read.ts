import { CHUNK_VALUE_LENGTH, readChunks } from './chunks.ts'
import { cookieScope, type SessionContext } from './context.ts'
import { parseCookieHeader } from './cookies.ts'
import { HeaderMemo } from './header-memo.ts'
import {
  type CookieRefPayload,
  isAlive,
  isCookieRefPayload,
  isCookieSessionPayload,
} from './payload.ts'
import { SessionRevocations } from './revocations.ts'
import { DEFERRED, open, openTextSync, parseJsonText } from './seal.ts'
import type { SessionData, SessionRequest } from './types.ts'

/**
 * Reading the session of a request: the authenticated path of every request. In cookie mode, with
 * the keys derived, `node:crypto` present and revocations kept in process memory, it is
 * synchronous ({@link readSessionNow}); every other case awaits ({@link readSession}).
 */

export const STORE_KEY_PREFIX = 'idweb:session:'
const MAX_STORED_LENGTH = 1_048_576
const isRevokedAsync = SessionRevocations.prototype.isRevoked

/** The live, not revoked session of `request`, or `undefined`; a fresh object every time. */
export async function readSession(
  ctx: SessionContext,
  request: SessionRequest,
): Promise<SessionData | undefined> {
  let session: SessionData | undefined
  if (ctx.store === undefined) {
    const payload = await readCookiePayload(ctx, request)
    session = isCookieSessionPayload(payload) ? payload.s : undefined
  } else {
    session = await openStored(ctx, request)
  }
  if (session === undefined || !alive(ctx, session.createdAt, session.lastSeenAt)) return undefined
  if (await isRevoked(ctx, session)) return undefined
  return session
}

/**
 * {@link readSession} without waiting, the session frozen and shared by every request that
 * carries the same cookie (see `OpenedSessions`); {@link DEFERRED} when only the asynchronous
 * path can tell (store mode, keys still being derived, a value only jose opens, revocations
 * kept in a shared store, or a `SessionRevocations` subclass).
 */
export function readSessionNow(
  ctx: SessionContext,
  request: SessionRequest,
): SessionData | undefined | typeof DEFERRED {
  const ring = ctx.ring('session')
  if (ctx.store !== undefined || ring === undefined) return DEFERRED
  const value = cookieValue(ctx, request)
  if (value === undefined) return undefined
  let session = ctx.opened.get(value)
  if (session === undefined) {
    const text = openTextSync(ring, value, ctx.maxChunks * CHUNK_VALUE_LENGTH)
    if (typeof text !== 'string') return text
    const payload = parseJsonText(text)
    if (!isCookieSessionPayload(payload)) return undefined
    session = ctx.opened.set(value, payload.s, text.length)
  }
  if (!alive(ctx, session.createdAt, session.lastSeenAt)) return undefined
  const revocations = ctx.revocations
  if (revocations.isRevoked !== isRevokedAsync) return DEFERRED
  const revoked = revocations.isSessionRevokedNow(session, session.createdAt + ctx.absoluteSeconds)
  if (revoked === undefined) return DEFERRED
  return revoked ? undefined : session
}

/**
 * Whether `session` was ended before its cookie expired: signed out or replaced, its provider
 * session ended, or its subject signed out everywhere.
 */
export function isRevoked(ctx: SessionContext, session: SessionData): Promise<boolean> {
  return ctx.revocations.isSessionRevoked(session, session.createdAt + ctx.absoluteSeconds)
}

function alive(ctx: SessionContext, createdAt: number, lastSeenAt: number): boolean {
  return isAlive(createdAt, lastSeenAt, ctx.now(), ctx.rollingSeconds, ctx.absoluteSeconds)
}

/** The server-side session the cookie refers to (store mode), lifetimes not checked. */
async function openStored(
  ctx: SessionContext,
  request: SessionRequest,
): Promise<SessionData | undefined> {
  const store = ctx.store
  const ref = await readRef(ctx, request)
  if (store === undefined || ref === undefined || !alive(ctx, ref.c, ref.l)) return undefined
  let bytes: Uint8Array | undefined
  try {
    bytes = await store.get(STORE_KEY_PREFIX + ref.r)
  } catch (err) {
    ctx.logger.warn('session store read failed; treating the request as anonymous', {
      error: err instanceof Error ? err.message : String(err),
    })
    return undefined
  }
  if (bytes === undefined || bytes.byteLength > MAX_STORED_LENGTH) return undefined
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  const payload = await open(await ctx.keys('store'), text, MAX_STORED_LENGTH)
  if (!isCookieSessionPayload(payload) || payload.s.sid !== ref.r) return undefined
  return payload.s
}

/** The sealed value of the session cookie family of `request`, or `undefined`. */
function cookieValue(ctx: SessionContext, request: SessionRequest): string | undefined {
  const header = request.headers.get('cookie')
  // Only a `__Host-` name depends on the URL: without it, the value depends on the header alone.
  if (ctx.hostPrefix) {
    const name = cookieScope(ctx, request).prefix + ctx.cookieName
    return readChunks(parseCookieHeader(header), name, ctx.maxChunks).value
  }
  if (header === null) return undefined
  let memo = memos.get(ctx)
  if (memo === undefined) {
    memo = new HeaderMemo()
    memos.set(ctx, memo)
  }
  return memo.get(
    header,
    (text) => readChunks(parseCookieHeader(text), ctx.cookieName, ctx.maxChunks).value,
  )
}

/**
 * The session cookie's value by the whole `Cookie` header, per session context. Only the parse
 * is remembered; lifetimes and revocation are checked on every request.
 */
const memos = new WeakMap<SessionContext, HeaderMemo<string | undefined>>()

/** The sealed cookie payload of `request`, unvalidated, or `undefined`. */
export async function readCookiePayload(
  ctx: SessionContext,
  request: SessionRequest,
): Promise<unknown> {
  const value = cookieValue(ctx, request)
  if (value === undefined) return undefined
  return open(await ctx.keys('session'), value, ctx.maxChunks * CHUNK_VALUE_LENGTH)
}

/** The store reference in the cookie (lifetimes not checked), or `undefined`. */
export async function readRef(
  ctx: SessionContext,
  request: SessionRequest,
): Promise<CookieRefPayload | undefined> {
  const payload = await readCookiePayload(ctx, request)
  return isCookieRefPayload(payload) ? payload : undefined
}
