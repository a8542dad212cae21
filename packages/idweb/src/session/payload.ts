import type { SessionData, TransactionData } from './types.ts'

/**
 * Shapes of what is sealed, and their checks. Only values this library sealed ever get here (the
 * key authenticates them), so the checks guard against our own version skew, not attackers: an
 * unknown `v` or a missing field reads as anonymous rather than as a half-formed session.
 */

/** A session's idle lifetime when `rollingSeconds` is not given: one day. */
export const DEFAULT_ROLLING_SECONDS = 86_400
/** A session's whole lifetime when `absoluteSeconds` is not given: a week. */
export const DEFAULT_ABSOLUTE_SECONDS = 604_800
/** Cookies one session may be split over when `maxChunks` is not given. */
export const DEFAULT_MAX_CHUNKS = 3

/** Payload version; bump it when a shape changes incompatibly. */
export const PAYLOAD_VERSION = 1

/** Cookie payload when the whole session lives in the cookie. */
export interface CookieSessionPayload {
  v: typeof PAYLOAD_VERSION
  s: SessionData
}

/** Cookie payload in store mode: a reference to the stored session plus its lifetimes. */
export interface CookieRefPayload {
  v: typeof PAYLOAD_VERSION
  r: string
  c: number
  l: number
}

/** A sealed sign-in transaction. */
export interface TransactionPayload {
  v: typeof PAYLOAD_VERSION
  iat: number
  exp: number
  tx: TransactionData
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function isTime(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
}

function isSid(x: unknown): x is string {
  return typeof x === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(x)
}

/** Whether `x` is a well-formed {@link SessionData}. */
export function isSessionData(x: unknown): x is SessionData {
  if (!isRecord(x) || !isSid(x.sid) || !isTime(x.createdAt) || !isTime(x.lastSeenAt)) return false
  if (!isRecord(x.user) || typeof x.user.homeAccountId !== 'string' || !isRecord(x.user.claims)) {
    return false
  }
  return x.extra === undefined || isRecord(x.extra)
}

export function isCookieSessionPayload(x: unknown): x is CookieSessionPayload {
  return isRecord(x) && x.v === PAYLOAD_VERSION && isSessionData(x.s)
}

export function isCookieRefPayload(x: unknown): x is CookieRefPayload {
  return isRecord(x) && x.v === PAYLOAD_VERSION && isSid(x.r) && isTime(x.c) && isTime(x.l)
}

export function isTransactionPayload(x: unknown): x is TransactionPayload {
  return (
    isRecord(x) &&
    x.v === PAYLOAD_VERSION &&
    isTime(x.iat) &&
    isTime(x.exp) &&
    isRecord(x.tx) &&
    typeof x.tx.state === 'string'
  )
}

/**
 * Whether a session created at `createdAt` and last re-sealed at `lastSeenAt` is alive at `now`
 * (all whole seconds). It ends exactly at `createdAt + absoluteSeconds` and at
 * `lastSeenAt + rollingSeconds`: alive strictly before both.
 */
export function isAlive(
  createdAt: number,
  lastSeenAt: number,
  now: number,
  rollingSeconds: number,
  absoluteSeconds: number,
): boolean {
  return (
    lastSeenAt >= createdAt &&
    now < createdAt + absoluteSeconds &&
    now < lastSeenAt + rollingSeconds
  )
}

/** Seconds left before the session ends: the cookie's `Max-Age` and the store entry's TTL. */
export function remainingSeconds(
  createdAt: number,
  lastSeenAt: number,
  now: number,
  rollingSeconds: number,
  absoluteSeconds: number,
): number {
  return Math.max(0, Math.min(createdAt + absoluteSeconds - now, lastSeenAt + rollingSeconds - now))
}
