/**
 * The `state` values of callbacks already handled, remembered for the transaction lifetime so a
 * replayed callback is refused before any token request. Bounded: the oldest entries go first.
 */
export class ConsumedStates {
  readonly #seen = new Map<string, number>()
  readonly #ttlMs: number
  readonly #max: number
  readonly #clock: () => number

  constructor(ttlMs: number, max = 100_000, clock: () => number = Date.now) {
    this.#ttlMs = ttlMs
    this.#max = max
    this.#clock = clock
  }

  /** Records `state`; resolves `false` when it was already recorded (a replay). */
  consume(state: string): boolean {
    const now = this.#clock()
    const until = this.#seen.get(state)
    if (until !== undefined && until > now) return false
    this.#seen.delete(state)
    this.#seen.set(state, now + this.#ttlMs)
    while (this.#seen.size > this.#max) {
      const oldest = this.#seen.keys().next()
      if (oldest.done) break
      this.#seen.delete(oldest.value)
    }
    return true
  }
}
