import type { Logger } from '../logger.ts'

/** Options of a {@link Breaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open it. Default 3. */
  threshold?: number
  /** How long it stays open the first time, in ms; doubled at each failed probe. Default 1,000. */
  minOpenMs?: number
  /** The longest it stays open, in ms. Default 30,000. */
  maxOpenMs?: number
  /** Told when it opens (with how long) and when it closes again. */
  onChange?: (open: boolean, forMs: number) => void
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
}

/**
 * A circuit breaker for calls to a store: after `threshold` consecutive failures it opens, and
 * calls are refused at once (no store round trip, no timeout to wait out) until `minOpenMs` has
 * passed; then one call goes through as a probe. A probe that succeeds closes it; one that fails
 * opens it again for twice as long, up to `maxOpenMs`. So during an outage each request pays
 * nothing for the store after the first few, and the store is tried again by itself.
 *
 * @example
 * ```ts
 * if (!breaker.allow()) return miss()
 * try { const v = await store.get(key); breaker.success(); return v }
 * catch { breaker.failure(); return miss() }
 * ```
 */
export class Breaker {
  readonly #threshold: number
  readonly #minOpenMs: number
  readonly #maxOpenMs: number
  readonly #onChange: ((open: boolean, forMs: number) => void) | undefined
  readonly #clock: () => number
  #failures = 0
  #openUntil = 0
  #openMs = 0
  #probing = false

  constructor(options: BreakerOptions = {}) {
    this.#threshold = options.threshold ?? 3
    this.#minOpenMs = options.minOpenMs ?? 1000
    this.#maxOpenMs = options.maxOpenMs ?? 30_000
    this.#onChange = options.onChange
    this.#clock = options.clock ?? Date.now
  }

  /** `closed`, `open` (refusing), or `probing` (one call let through to try the store). */
  get state(): 'closed' | 'open' | 'probing' {
    if (this.#openMs === 0) return 'closed'
    return this.#probing ? 'probing' : 'open'
  }

  /** Whether a call may go to the store now. */
  allow(): boolean {
    if (this.#openMs === 0) return true
    if (this.#probing || this.#clock() < this.#openUntil) return false
    this.#probing = true
    return true
  }

  /** The call succeeded. */
  success(): void {
    this.#failures = 0
    this.#probing = false
    if (this.#openMs !== 0) {
      this.#openMs = 0
      this.#onChange?.(false, 0)
    }
  }

  /** The call failed or timed out. */
  failure(): void {
    this.#failures++
    if (this.#probing) {
      this.#probing = false
      this.#open(Math.min(this.#openMs * 2, this.#maxOpenMs))
    } else if (this.#openMs === 0 && this.#failures >= this.#threshold) {
      this.#open(this.#minOpenMs)
    }
  }

  #open(forMs: number): void {
    this.#openMs = forMs
    this.#openUntil = this.#clock() + forMs
    this.#onChange?.(true, forMs)
  }
}

/** The token cache's breaker: opening and closing are logged for operators. */
export function storeBreaker(logger: Logger, clock: () => number): Breaker {
  return new Breaker({
    clock,
    onChange: (open, forMs) => {
      if (open) {
        logger.warn('token cache store keeps failing; not calling it for a while', { ms: forMs })
      } else logger.info('token cache store answers again')
    },
  })
}
