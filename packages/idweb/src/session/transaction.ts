import { createHash } from 'node:crypto'
import { IdwebError } from '../errors.ts'
import { CHUNK_VALUE_LENGTH } from './chunks.ts'
import { cookieScope, type SessionContext } from './context.ts'
import { type CookieAttributes, parseCookieHeader, serializeCookie } from './cookies.ts'
import { isTransactionPayload, PAYLOAD_VERSION, type TransactionPayload } from './payload.ts'
import { open, seal } from './seal.ts'
import type { TransactionData } from './types.ts'

/**
 * Sign-in transaction cookies: what the sign-in request must remember until the callback (state,
 * nonce, PKCE verifier, return URL). One cookie per transaction, named from a hash of its `state`
 * (`idweb.tx.<first 16 hex of sha256(state)>`), so several tabs can sign in at once, sealed with the
 * transaction key so it can never be opened as a session (nor a session as a transaction).
 *
 * SameSite. With `response_mode=form_post` the provider's page POSTs to the callback, a
 * cross-site request when the provider is on another site, and browsers send only `SameSite=None`
 * cookies with a cross-site POST. So on https the cookie is `SameSite=None; Secure`. `None` without
 * `Secure` is rejected by browsers, and plain-http loopback cookies are not `Secure` (see
 * `isPlainHttpLoopback`), so there it is `SameSite=Lax`. That still works for the development
 * identity provider: a "site" is scheme plus registrable domain, ports ignored, so
 * `http://localhost:4000` posting to `http://localhost:3000` is same-site and Lax cookies are sent.
 * It does NOT work for a provider on another site posting to plain-http loopback (real Entra to
 * `http://localhost:3000`, or `http://127.0.0.1:4000` to `http://localhost:3000`): use
 * `response_mode=query` there, because a top-level cross-site GET navigation does send Lax cookies.
 *
 * Replay. Clearing the cookie after the callback stops the browser from sending it again, but a
 * copy of a cookie stays valid until it expires; the authorization code's single use and PKCE are
 * what make a replayed callback fail at the provider.
 */

const MAX_STATE_LENGTH = 512
/** Transaction cookies looked at when counting pending ones; any beyond are deleted unopened. */
const MAX_INSPECTED = 20

function checkState(state: unknown): state is string {
  return typeof state === 'string' && state.length > 0 && state.length <= MAX_STATE_LENGTH
}

function transactionName(ctx: SessionContext, prefix: string, state: string): string {
  const hash = createHash('sha256').update(state, 'utf8').digest('hex').slice(0, 16)
  return `${prefix}${ctx.transactionCookiePrefix}${hash}`
}

function transactionAttributes(secure: boolean, maxAge: number): CookieAttributes {
  return { secure, httpOnly: true, sameSite: secure ? 'None' : 'Lax', path: '/', maxAge }
}

/** Seals `tx` into its cookie; drops the oldest pending transactions beyond the cap. */
export async function sealTransaction<T extends TransactionData>(
  ctx: SessionContext,
  tx: T,
  request: Request,
): Promise<string[]> {
  if (tx === null || typeof tx !== 'object' || !checkState(tx.state)) {
    throw new TypeError(
      `sealTransaction: tx.state must be a string of 1 to ${MAX_STATE_LENGTH} characters`,
    )
  }
  const { secure, prefix } = cookieScope(ctx, request)
  const now = ctx.now()
  const name = transactionName(ctx, prefix, tx.state)
  const ring = await ctx.keys('transaction')
  const payload: TransactionPayload = {
    v: PAYLOAD_VERSION,
    iat: now,
    exp: now + ctx.transactionSeconds,
    tx,
  }
  const value = await seal(ring, payload)
  if (value.length > CHUNK_VALUE_LENGTH) {
    throw new IdwebError(
      'IDW_SESSION_TOO_LARGE',
      `The sign-in transaction seals to ${value.length} bytes, more than one cookie holds (${CHUNK_VALUE_LENGTH}): keep returnTo, scopes and claims short`,
    )
  }
  const headers = [
    serializeCookie(name, value, transactionAttributes(secure, ctx.transactionSeconds)),
  ]

  // Other pending transactions: keep the newest (maxTransactions - 1), delete the rest and any
  // that no longer open (expired, tampered, sealed under a rotated-out secret).
  const cookies = parseCookieHeader(request.headers.get('cookie'))
  const family = `${prefix}${ctx.transactionCookiePrefix}`
  const pending: Array<{ name: string; iat: number }> = []
  const remove = (n: string) =>
    headers.push(serializeCookie(n, '', transactionAttributes(secure, 0)))
  let inspected = 0
  for (const [other, otherValue] of cookies.values) {
    if (!other.startsWith(family) || other === name) continue
    if (++inspected > MAX_INSPECTED || cookies.duplicates.has(other)) {
      remove(other)
      continue
    }
    const opened = await open(ring, otherValue, CHUNK_VALUE_LENGTH)
    if (isTransactionPayload(opened) && now < opened.exp)
      pending.push({ name: other, iat: opened.iat })
    else remove(other)
  }
  pending.sort((a, b) => b.iat - a.iat)
  for (const old of pending.slice(Math.max(0, ctx.maxTransactions - 1))) remove(old.name)
  return headers
}

/** The transaction sealed for exactly `state`, or `undefined`. Never rejects for bad input. */
export async function openTransaction<T extends TransactionData>(
  ctx: SessionContext,
  request: Request,
  state: string,
): Promise<T | undefined> {
  if (!checkState(state)) return undefined
  const { prefix } = cookieScope(ctx, request)
  const name = transactionName(ctx, prefix, state)
  const cookies = parseCookieHeader(request.headers.get('cookie'))
  const value = cookies.values.get(name)
  if (value === undefined || cookies.duplicates.has(name)) return undefined
  const payload = await open(await ctx.keys('transaction'), value, CHUNK_VALUE_LENGTH)
  if (!isTransactionPayload(payload)) return undefined
  const now = ctx.now()
  if (now >= payload.exp || payload.iat > now + 60) return undefined
  if (payload.tx.state !== state) return undefined
  return payload.tx as T
}

/** The `Set-Cookie` value deleting the transaction cookie of `state`. */
export function clearTransaction(
  ctx: SessionContext,
  state: string,
  requestUrl: Request | URL | string,
): string {
  // Any string is accepted (the callback's `state` is untrusted input and this must not throw);
  // a state that could never have been sealed simply names a cookie that does not exist.
  if (typeof state !== 'string') throw new TypeError('clearTransaction: state must be a string')
  const { secure, prefix } = cookieScope(ctx, requestUrl)
  return serializeCookie(transactionName(ctx, prefix, state), '', transactionAttributes(secure, 0))
}

/**
 * `Set-Cookie` values deleting every transaction cookie the request carries. A callback whose
 * `state` names no transaction (missing, altered) cannot tell which pending sign-in it belongs
 * to, so all of them are dropped: the user simply signs in again.
 */
export function clearAllTransactions(ctx: SessionContext, request: Request): string[] {
  const { secure, prefix } = cookieScope(ctx, request)
  const family = `${prefix}${ctx.transactionCookiePrefix}`
  const names = parseCookieHeader(request.headers.get('cookie')).values.keys()
  return [...names]
    .filter((name) => name.startsWith(family))
    .map((name) => serializeCookie(name, '', transactionAttributes(secure, 0)))
}
