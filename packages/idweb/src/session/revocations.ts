import { createHash } from 'node:crypto'
import type { CacheStore } from '../cache/store.ts'
import { ConfigError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { BoundedCalls } from './bounded-calls.ts'
import type { SessionData } from './types.ts'

/** Where revocation records are shared between instances: the token cache's store fits. */
export type RevocationStore = Pick<CacheStore, 'get' | 'set'>

/** Options of {@link SessionRevocations}. */
export interface SessionRevocationsOptions {
  /**
   * The store shared by every instance of the app (pass the token cache's), so a sign-out on one
   * instance ends the session on all of them. Absent: this process only.
   */
  store?: RevocationStore | undefined
  /**
   * Most revocations remembered in process memory. Default 100,000. Without a store, overflowing it
   * fails safe: the oldest record is dropped and every session that ends no later than it did is
   * treated as revoked (those users sign in again), so no signed-out cookie opens again.
   */
  maxEntries?: number
  /** How long a store call may take. Default 250 ms. */
  storeTimeoutMs?: number
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
}

const KEY_PREFIX = 'idweb:revoked:'
/** At most one "store failed" warning per this many ms: an outage must not flood the log. */
const WARN_EVERY_MS = 10_000

/**
 * Sessions that ended before their cookie did: a sign-out, or a session replaced by a new sign-in.
 * A sealed cookie stays cryptographically valid until its absolute expiry, so a copy of it would
 * still open the session; the record of its id, kept until that expiry could have passed, is what
 * makes the copy dead.
 *
 * Records live in process memory (bounded, positive entries only) and, when a store is given, in
 * the store under `idweb:revoked:<sha256 of the session id>`, with the remaining lifetime as TTL.
 * A check is one map lookup, plus one store read when a store is given. A store that fails or
 * times out reads as "not revoked" (logged, at most once per 10 s): a store outage must not sign
 * everyone out; the process's own records still hold.
 *
 * Without a store, the records are this process's alone: a restart forgets them, and another
 * instance never saw them. Apps that run more than one instance, or restart while sessions live,
 * give the token cache a shared store, which these records then use.
 *
 * @example
 * ```ts
 * const revocations = new SessionRevocations({ store: redisStore })
 * const sessions = createSessionManager({ secrets, revocations })
 * ```
 */
export class SessionRevocations {
  readonly #local = new Map<string, number>()
  /** For a subject's record in {@link #local}: sessions that began at or before this time end. */
  readonly #subjectsAt = new Map<string, number>()
  /** How many provider-session and subject records {@link #local} holds: none, no lookup. */
  #wideRecords = 0
  /** Records in the order they were made, `[sid, until, sid, until, ...]`, for eviction. */
  #order: (string | number)[] = []
  #head = 0
  /** Without a store, after an overflow: sessions ending no later than this are revoked. */
  #floor = Number.NEGATIVE_INFINITY
  readonly #store: RevocationStore | undefined
  readonly #max: number
  readonly #logger: Logger
  readonly #clock: () => number
  readonly #calls: BoundedCalls
  #lastWarning = Number.NEGATIVE_INFINITY

  constructor(options: SessionRevocationsOptions = {}) {
    this.#store = options.store
    this.#max = options.maxEntries ?? 100_000
    if (!Number.isSafeInteger(this.#max) || this.#max < 1) {
      throw new ConfigError('session.revocations.maxEntries', 'must be a positive whole number')
    }
    this.#logger = options.logger ?? silentLogger
    this.#clock = options.clock ?? Date.now
    // During a store outage every authenticated request would wait out the timeout: after a few
    // failures the store is skipped (read as not revoked) and tried again shortly.
    this.#calls = new BoundedCalls(options.storeTimeoutMs ?? 250, this.#clock)
  }

  /** Revocations held in process memory. */
  get size(): number {
    return this.#local.size
  }

  /**
   * Records that session `sid` ended, until `untilSeconds` (epoch seconds: when its cookie expires
   * at the latest). Resolves `false` when the store did not confirm (other instances may then
   * still accept a copy of the cookie; logged as an error).
   */
  revoke(sid: string, untilSeconds: number): Promise<boolean> {
    return this.#record(sid, untilSeconds, untilSeconds)
  }

  /**
   * Records that the provider ended its session `sid` at `issuer` (back-channel or front-channel
   * logout): every app session that sign-in began ends, on every instance sharing the store,
   * until `untilSeconds` (when the last such cookie expires). Resolves `false` when the store did
   * not confirm.
   */
  endProviderSession(issuer: string, sid: string, untilSeconds: number): Promise<boolean> {
    return this.#record(providerKey(issuer, sid), untilSeconds, untilSeconds)
  }

  /**
   * Records that subject `sub` of `issuer` signed out everywhere at `atSeconds`: every session
   * of theirs that began at or before then ends, on every instance sharing the store, and
   * sessions begun later are untouched. Kept until `untilSeconds`, when the last such cookie
   * expires. Resolves `false` when the store did not confirm.
   */
  endSubject(
    issuer: string,
    sub: string,
    atSeconds: number,
    untilSeconds: number,
  ): Promise<boolean> {
    return this.#record(subjectKey(issuer, sub), atSeconds, untilSeconds)
  }

  /**
   * Whether `session`, whose cookie expires at `untilSeconds` at the latest, has ended: signed
   * out itself ({@link SessionRevocations.isRevoked}, which a subclass may replace), its provider
   * session ended, or its subject signed out everywhere. Never rejects.
   */
  async isSessionRevoked(session: SessionData, untilSeconds: number): Promise<boolean> {
    const now = this.isSessionRevokedNow(session, untilSeconds)
    if (now === true) return true
    const own = this.isRevoked(session.sid, untilSeconds)
    const store = this.#store
    if (store === undefined) return own
    const { iss, sid, sub } = session.user.claims
    if (typeof iss !== 'string') return own
    const checks: Promise<boolean>[] = [own]
    if (typeof sid === 'string') {
      checks.push(this.#storedValue(providerKey(iss, sid)).then((v) => v !== undefined))
    }
    if (typeof sub === 'string') {
      const key = subjectKey(iss, sub)
      checks.push(this.#storedValue(key).then((at) => at !== undefined && at >= session.createdAt))
    }
    return (await Promise.all(checks)).includes(true)
  }

  /**
   * {@link SessionRevocations.isSessionRevoked} without waiting: `true` or `false` when process
   * memory decides it, `undefined` when the store must be asked.
   */
  isSessionRevokedNow(session: SessionData, untilSeconds: number): boolean | undefined {
    const own = this.isRevokedNow(session.sid, untilSeconds)
    if (own === true || this.#wideRecords === 0) return own
    const { iss, sid, sub } = session.user.claims
    if (typeof iss !== 'string') return own
    if (typeof sid === 'string' && this.#live(providerKey(iss, sid)) !== undefined) return true
    if (typeof sub === 'string') {
      const key = subjectKey(iss, sub)
      const at = this.#live(key) === undefined ? undefined : this.#subjectsAt.get(key)
      if (at !== undefined && at >= session.createdAt) return true
    }
    return own
  }

  /**
   * Whether session `sid`, whose cookie expires at `untilSeconds` at the latest, was revoked.
   * Never rejects.
   */
  async isRevoked(sid: string, untilSeconds?: number): Promise<boolean> {
    const now = this.isRevokedNow(sid, untilSeconds)
    if (now !== undefined) return now
    const store = this.#store
    if (store === undefined) return false
    const read = await this.#calls.run(() => store.get(keyOf(sid)))
    if (!read.ok) {
      this.#warn(
        'session revocation check failed; treating the session as not revoked',
        read.reason,
      )
      return false
    }
    if (read.value === undefined) return false
    const stored = Number(new TextDecoder().decode(read.value))
    // Another instance revoked it: remember locally so later checks skip the store.
    this.#remember(sid, Number.isSafeInteger(stored) ? stored : this.#now() + 3600)
    return true
  }

  /**
   * {@link SessionRevocations.isRevoked} without waiting: `true` or `false` when process memory
   * decides it (a local record, or no store to ask), `undefined` when the store must be asked.
   */
  isRevokedNow(sid: string, untilSeconds?: number): boolean | undefined {
    if (untilSeconds !== undefined && untilSeconds <= this.#floor) return true
    const until = this.#local.get(sid)
    if (until !== undefined) {
      if (until > this.#now()) return true
      this.#forget(sid)
    }
    return this.#store === undefined ? false : undefined
  }

  /**
   * Keeps `value` under `key` until `untilSeconds`, here and in the store. Resolves `false`
   * (logged as an error) when the store did not confirm.
   */
  async #record(key: string, value: number, untilSeconds: number): Promise<boolean> {
    const ttl = untilSeconds - this.#now()
    if (ttl <= 0) return true
    if (key.startsWith(SUBJECT)) this.#subjectsAt.set(key, value)
    this.#remember(key, untilSeconds)
    const store = this.#store
    if (store === undefined) return true
    const written = await this.#calls.run(() =>
      store.set(keyOf(key), new TextEncoder().encode(String(value)), ttl),
    )
    if (!written.ok) {
      this.#logger.error(
        isWide(key)
          ? 'a sign-out at the provider was not recorded in the shared store: other instances may keep its sessions'
          : 'a session ended but the shared store did not record it: other instances may accept copies of its cookie',
        { reason: written.reason },
      )
    }
    return written.ok
  }

  /** The number the store holds under `key`, remembered here when found; never rejects. */
  async #storedValue(key: string): Promise<number | undefined> {
    const local = this.#live(key)
    if (local !== undefined) return key.startsWith(SUBJECT) ? this.#subjectsAt.get(key) : local
    const store = this.#store
    if (store === undefined) return undefined
    const read = await this.#calls.run(() => store.get(keyOf(key)))
    if (!read.ok) {
      this.#warn(
        'session revocation check failed; treating the session as not revoked',
        read.reason,
      )
      return undefined
    }
    if (read.value === undefined) return undefined
    const value = Number(new TextDecoder().decode(read.value))
    return Number.isSafeInteger(value) ? value : undefined
  }

  /** The expiry of the live record `key` holds in process memory, or `undefined`. */
  #live(key: string): number | undefined {
    const until = this.#local.get(key)
    if (until === undefined) return undefined
    if (until > this.#now()) return until
    this.#forget(key)
    return undefined
  }

  #forget(key: string): void {
    if (!this.#local.delete(key)) return
    if (isWide(key)) this.#wideRecords--
    this.#subjectsAt.delete(key)
  }

  #remember(sid: string, untilSeconds: number): void {
    if (this.#local.get(sid) === untilSeconds) return
    if (!this.#local.has(sid) && isWide(sid)) this.#wideRecords++
    this.#local.set(sid, untilSeconds)
    this.#order.push(sid, untilSeconds)
    // Over the bound: the oldest records go first, O(1) amortized however full. The store still
    // has a live one; without a store, every session ending no later than it did counts as
    // revoked, so its cookie cannot open again.
    const now = this.#now()
    while (this.#local.size > this.#max && this.#head < this.#order.length) {
      const key = this.#order[this.#head] as string
      const until = this.#order[this.#head + 1] as number
      this.#head += 2
      if (this.#local.get(key) !== until) continue // remembered again since: a newer entry
      this.#forget(key)
      if (until > now && this.#store === undefined) {
        this.#floor = Math.max(this.#floor, until)
        this.#warn(
          'more live session revocations than maxEntries: older sessions are now treated as signed out',
          'full',
        )
      }
    }
    if (this.#head > 4096 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head)
      this.#head = 0
    }
    // The same keys recorded again and again (a subject signed out everywhere repeatedly) leave
    // stale entries behind that eviction never reaches: past four per record, keep only the live
    // ones, oldest first.
    if (this.#order.length - this.#head > 8 * this.#local.size + 8192) {
      const live: (string | number)[] = []
      for (let i = this.#head; i < this.#order.length; i += 2) {
        const key = this.#order[i] as string
        if (this.#local.get(key) === this.#order[i + 1])
          live.push(key, this.#order[i + 1] as number)
      }
      this.#order = live
      this.#head = 0
    }
  }

  #warn(message: string, reason: string): void {
    const now = this.#clock()
    if (now - this.#lastWarning < WARN_EVERY_MS) return
    this.#lastWarning = now
    this.#logger.warn(message, { reason })
  }

  #now(): number {
    return Math.floor(this.#clock() / 1000)
  }
}

function keyOf(sid: string): string {
  return KEY_PREFIX + createHash('sha256').update(sid).digest('base64url')
}

/** Record keys of provider sessions and subjects: never a session id, which is base64url. */
const PROVIDER = 'op|'
const SUBJECT = 'sub|'

function providerKey(issuer: string, sid: string): string {
  return `${PROVIDER}${issuer}|${sid}`
}

function subjectKey(issuer: string, sub: string): string {
  return `${SUBJECT}${issuer}|${sub}`
}

function isWide(key: string): boolean {
  return key.startsWith(PROVIDER) || key.startsWith(SUBJECT)
}
