import { ConfigError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { type CookieAttributes, cookieSecure, isCookieName, requestUrl } from './cookies.ts'
import { checkSecrets, deriveKeyRing, type KeyPurpose, type KeyRing } from './keys.ts'
import { OpenedSessions } from './opened.ts'
import { DEFAULT_ABSOLUTE_SECONDS, DEFAULT_MAX_CHUNKS, DEFAULT_ROLLING_SECONDS } from './payload.ts'
import { SessionRevocations } from './revocations.ts'
import type { SessionOptions, SessionStore } from './types.ts'

export { DEFAULT_ROLLING_SECONDS }

/** Validated, frozen settings and derived keys shared by the session and transaction code. */
export interface SessionContext {
  readonly cookieName: string
  readonly transactionCookiePrefix: string
  readonly hostPrefix: boolean
  readonly rollingSeconds: number
  readonly absoluteSeconds: number
  readonly refreshFraction: number
  readonly secure: boolean | 'auto'
  readonly maxChunks: number
  readonly store: SessionStore | undefined
  readonly revocations: SessionRevocations
  /** Session cookie values already opened by this process. */
  readonly opened: OpenedSessions
  readonly transactionSeconds: number
  readonly maxTransactions: number
  readonly logger: Logger
  /** Whole seconds since the epoch. */
  now(): number
  keys(purpose: KeyPurpose): Promise<KeyRing>
  /** The key ring of `purpose` once derived (right after start), else `undefined`. */
  ring(purpose: KeyPurpose): KeyRing | undefined
}

const SETTING = 'session'

/**
 * Validates options once (throwing a {@link ConfigError} naming the setting) and starts deriving
 * the keys.
 */
export function createContext(options: SessionOptions): SessionContext {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(SETTING, 'options are required, at least `secrets`')
  }
  const secrets = checkSecrets(options.secrets, `${SETTING}.secrets`)
  const cookieName = options.cookieName ?? 'idweb.session'
  const transactionCookiePrefix = options.transactionCookiePrefix ?? 'idweb.tx.'
  checkName('cookieName', cookieName)
  checkName('transactionCookiePrefix', transactionCookiePrefix)
  if (
    transactionCookiePrefix.startsWith(`${cookieName}.`) ||
    cookieName.startsWith(transactionCookiePrefix)
  ) {
    throw new ConfigError(
      `${SETTING}.transactionCookiePrefix`,
      `must not overlap ${SETTING}.cookieName (${cookieName})`,
    )
  }
  const rollingSeconds = integer(
    'rollingSeconds',
    options.rollingSeconds,
    DEFAULT_ROLLING_SECONDS,
    60,
    31_536_000,
  )
  const absoluteSeconds = integer(
    'absoluteSeconds',
    options.absoluteSeconds,
    DEFAULT_ABSOLUTE_SECONDS,
    60,
    31_536_000,
  )
  const refreshFraction = options.refreshFraction ?? 0.1
  if (!(typeof refreshFraction === 'number' && refreshFraction >= 0 && refreshFraction <= 1)) {
    throw new ConfigError(`${SETTING}.refreshFraction`, 'must be a number from 0 to 1')
  }
  const secure = options.secure ?? 'auto'
  if (secure !== 'auto' && typeof secure !== 'boolean') {
    throw new ConfigError(`${SETTING}.secure`, "must be true, false or 'auto'")
  }
  const logger = options.logger ?? silentLogger
  if (secure === false) {
    logger.warn(
      'session.secure is false: session cookies are sent over plain http to any host; use it only for local development',
    )
  }
  const store = options.store
  if (
    store !== undefined &&
    (typeof store?.get !== 'function' ||
      typeof store.set !== 'function' ||
      typeof store.delete !== 'function')
  ) {
    throw new ConfigError(`${SETTING}.store`, 'must implement get, set and delete')
  }
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw new ConfigError(`${SETTING}.clock`, 'must be a function')

  const rings = new Map<KeyPurpose, Promise<KeyRing>>()
  const derived = new Map<KeyPurpose, KeyRing>()
  for (const purpose of ['session', 'transaction', 'store'] as const) {
    const ring = deriveKeyRing(secrets, purpose)
    // Surfaced on first use, never as an unhandled rejection.
    ring.then((r) => derived.set(purpose, r)).catch(() => {})
    rings.set(purpose, ring)
  }

  return Object.freeze({
    cookieName,
    transactionCookiePrefix,
    hostPrefix: options.hostPrefix === true,
    rollingSeconds,
    absoluteSeconds,
    refreshFraction,
    secure,
    maxChunks: integer('maxChunks', options.maxChunks, DEFAULT_MAX_CHUNKS, 1, 10),
    store,
    revocations: options.revocations ?? new SessionRevocations({ logger, clock }),
    opened: new OpenedSessions(),
    transactionSeconds: integer('transactionSeconds', options.transactionSeconds, 600, 30, 3600),
    maxTransactions: integer('maxTransactions', options.maxTransactions, 5, 1, 20),
    logger,
    now: () => Math.floor(clock() / 1000),
    keys: (purpose: KeyPurpose) => rings.get(purpose) as Promise<KeyRing>,
    ring: (purpose: KeyPurpose) => derived.get(purpose),
  })
}

function checkName(setting: string, name: unknown): void {
  if (typeof name !== 'string' || !isCookieName(name) || name.length > 64) {
    throw new ConfigError(
      `${SETTING}.${setting}`,
      "must be 1 to 64 characters of letters, digits and !#$%&'*+-.^_`|~",
    )
  }
  if (/^__(host|secure)-/i.test(name)) {
    throw new ConfigError(
      `${SETTING}.${setting}`,
      'must not carry a __Host- or __Secure- prefix: set session.hostPrefix instead',
    )
  }
}

function integer(setting: string, value: unknown, fallback: number, min: number, max: number) {
  const n = value ?? fallback
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${SETTING}.${setting}`, `must be a whole number from ${min} to ${max}`)
  }
  return n
}

/** Whether cookies for this request are `Secure`, and the name prefix that goes with it. */
export function cookieScope(ctx: SessionContext, request: { url: string } | URL | string) {
  const secure = cookieSecure(ctx.secure, requestUrl(request))
  const prefix = secure && ctx.hostPrefix ? '__Host-' : ''
  return { secure, prefix }
}

/** Attributes of a session cookie (`SameSite=Lax`, host-only, `Path=/`, `HttpOnly`). */
export function sessionAttributes(secure: boolean, maxAge: number): CookieAttributes {
  return { secure, httpOnly: true, sameSite: 'Lax', path: '/', maxAge }
}
