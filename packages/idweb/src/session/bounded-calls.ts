import { Breaker } from '../cache/breaker.ts'

/** What a bounded store call gave: its value, or why there is none. */
export type Bounded<T> = { ok: true; value: T } | { ok: false; reason: string }

/**
 * Store calls that never take longer than a timeout and never reject. After a few failures the
 * store is skipped for a while (a breaker), so that an outage costs requests nothing but a miss.
 */
export class BoundedCalls {
  readonly #timeoutMs: number
  readonly #breaker: Breaker

  constructor(timeoutMs: number, clock: () => number) {
    this.#timeoutMs = timeoutMs
    this.#breaker = new Breaker({ clock })
  }

  async run<T>(call: () => Promise<T>): Promise<Bounded<T>> {
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
}
