import { createHash } from 'node:crypto'
import { Breaker } from '../cache/breaker.ts'
import type { CacheStore } from '../cache/store.ts'
import { ConfigError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'

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
  /** Records in the order they were made, `[sid, until, sid, until, ...]`, for eviction. */
  #order: (string | number)[] = []
  #head = 0
  /** Without a store, after an overflow: sessions ending no later than this are revoked. */
  #floor = Number.NEGATIVE_INFINITY
  readonly #store: RevocationStore | undefined
  readonly #max: number
  readonly #timeoutMs: number
  readonly #logger: Logger
  readonly #clock: () => number
  readonly #breaker: Breaker
  #lastWarning = Number.NEGATIVE_INFINITY

  constructor(options: SessionRevocationsOptions = {}) {
    this.#store = options.store
    this.#max = options.maxEntries ?? 100_000
    if (!Number.isSafeInteger(this.#max) || this.#max < 1) {
      throw new ConfigError('session.revocations.maxEntries', 'must be a positive whole number')
    }
    this.#timeoutMs = options.storeTimeoutMs ?? 250
    this.#logger = options.logger ?? silentLogger
    this.#clock = options.clock ?? Date.now
    // During a store outage every authenticated request would wait out the timeout: after a few
    // failures the store is skipped (read as not revoked) and tried again shortly.
    this.#breaker = new Breaker({ clock: this.#clock })
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
  async revoke(sid: string, untilSeconds: number): Promise<boolean> {
    const ttl = untilSeconds - this.#now()
    if (ttl <= 0) return true
    this.#remember(sid, untilSeconds)
    const store = this.#store
    if (store === undefined) return true
    const written = await this.#bounded(() =>
      store.set(keyOf(sid), new TextEncoder().encode(String(untilSeconds)), ttl),
    )
    if (!written.ok) {
      this.#logger.error(
        'a session ended but the shared store did not record it: other instances may accept copies of its cookie',
        { reason: written.reason },
      )
    }
    return written.ok
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
    const read = await this.#bounded(() => store.get(keyOf(sid)))
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
      this.#local.delete(sid)
    }
    return this.#store === undefined ? false : undefined
  }

  #remember(sid: string, untilSeconds: number): void {
    if (this.#local.get(sid) === untilSeconds) return
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
      this.#local.delete(key)
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
  }

  async #bounded<T>(
    call: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    if (!this.#breaker.allow()) return { ok: false, reason: 'skipped' }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#timeoutMs)
    })
    try {
      const work = Promise.resolve().then(call)
      work.catch(() => {})
      const value = await Promise.race([work, timeout])
      if (value === 'timeout') {
        this.#breaker.failure()
        return { ok: false, reason: 'timeout' }
      }
      this.#breaker.success()
      return { ok: true, value: value as T }
    } catch (err) {
      this.#breaker.failure()
      return { ok: false, reason: err instanceof Error ? err.name : 'error' }
    } finally {
      clearTimeout(timer)
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
