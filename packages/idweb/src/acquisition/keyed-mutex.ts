/**
 * One holder at a time per key, in this process. Waiters queue in arrival order; a key with no
 * holder and no waiter costs nothing. Used so that one refresh serves every concurrent caller of an
 * account: the first caller refreshes, the others wait, then find the fresh token in the cache.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>()

  /** Runs `fn` while holding `key`'s lock. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key)
    let release!: () => void
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous ? previous.then(() => mine) : mine
    this.#tails.set(key, tail)
    try {
      if (previous) await previous
      return await fn()
    } finally {
      release()
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }

  /** Whether anyone holds or waits for `key`. */
  isLocked(key: string): boolean {
    return this.#tails.has(key)
  }

  /** How many keys are held or waited for (for tests and metrics). */
  get size(): number {
    return this.#tails.size
  }
}
