import type { CacheStore } from '../../src/cache/store.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'

/** How a {@link FaultyStore} misbehaves. */
export type Fault = 'none' | 'reject' | 'hang'

/**
 * A store wrapping a {@link MemoryStore} that can be told to reject or never answer, to delay
 * writes, or to drop compare-and-set; it counts calls per operation.
 */
export class FaultyStore implements CacheStore {
  readonly inner: MemoryStore
  fault: Fault = 'none'
  /** Delay before each write reaches the inner store, in ms. */
  writeDelayMs = 0
  readonly calls: Record<string, number> = {}
  compareAndSet?: CacheStore['compareAndSet']

  constructor(inner = new MemoryStore(), options: { cas?: boolean } = {}) {
    this.inner = inner
    if (options.cas !== false) {
      this.compareAndSet = async (key, expected, next, ttl) => {
        await this.#gate('compareAndSet', true)
        return inner.compareAndSet(key, expected, next, ttl)
      }
    }
  }

  async get(key: string) {
    await this.#gate('get', false)
    return this.inner.get(key)
  }

  async set(key: string, value: Uint8Array, ttl?: number) {
    await this.#gate('set', true)
    return this.inner.set(key, value, ttl)
  }

  async delete(key: string) {
    await this.#gate('delete', false)
    return this.inner.delete(key)
  }

  async #gate(op: string, write: boolean): Promise<void> {
    this.calls[op] = (this.calls[op] ?? 0) + 1
    if (this.fault === 'reject')
      throw Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' })
    if (this.fault === 'hang') await new Promise(() => {})
    if (write && this.writeDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.writeDelayMs))
    }
  }
}
