import { randomUUID } from 'node:crypto'
import type { CacheStore } from '../store.ts'

/** Options of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Epoch ms, for entry and lock expiry. Default `Date.now`. */
  clock?: () => number
  /** How often a waiting `lock` call retries, in ms. Default 5. */
  lockPollMs?: number
}

interface Entry {
  value: Uint8Array
  expiresAt: number
}

/**
 * A {@link CacheStore} in process memory, with TTL, compare-and-set and locks. It is the
 * reference implementation of the store contract (the conformance suite runs against it first),
 * and a shared store for tests and single-process apps. Values are copied in and out, so callers
 * can never alias stored bytes.
 *
 * @example
 * ```ts
 * const cache = new TokenCache({ store: new MemoryStore(), keys: [{ id: 'k1', key: randomBytes(32) }] })
 * ```
 */
export class MemoryStore implements CacheStore {
  readonly #entries = new Map<string, Entry>()
  readonly #locks = new Map<string, { token: string; expiresAt: number }>()
  readonly #clock: () => number
  readonly #pollMs: number
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now
    this.#pollMs = options.lockPollMs ?? 5
  }

  /** Number of live entries (expired ones are dropped first). */
  get size(): number {
    for (const key of [...this.#entries.keys()]) this.#live(key)
    return this.#entries.size
  }

  /** The live keys, optionally only those starting with `prefix` (for inspection and tests). */
  keys(prefix = ''): string[] {
    return [...this.#entries.keys()].filter((key) => key.startsWith(prefix) && this.#live(key))
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#open()
    const entry = this.#live(key)
    return entry === undefined ? undefined : Uint8Array.from(entry.value)
  }

  async set(key: string, value: Uint8Array, ttlSeconds?: number): Promise<void> {
    this.#open()
    this.#put(key, value, ttlSeconds)
  }

  async delete(key: string): Promise<void> {
    this.#open()
    this.#entries.delete(key)
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array | undefined,
    next: Uint8Array,
    ttlSeconds?: number,
  ): Promise<boolean> {
    this.#open()
    const current = this.#live(key)?.value
    if (!sameBytes(current, expected)) return false
    this.#put(key, next, ttlSeconds)
    return true
  }

  async lock(
    key: string,
    ttlMs: number,
    waitMs: number,
  ): Promise<(() => Promise<void>) | undefined> {
    this.#open()
    const token = randomUUID()
    const deadline = Date.now() + waitMs
    for (;;) {
      const held = this.#locks.get(key)
      if (held === undefined || held.expiresAt <= this.#clock()) {
        this.#locks.set(key, { token, expiresAt: this.#clock() + ttlMs })
        return async () => {
          // Only the holder releases; a lock that expired and was taken again stays taken.
          if (this.#locks.get(key)?.token === token) this.#locks.delete(key)
        }
      }
      if (Date.now() >= deadline) return undefined
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs))
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#entries.clear()
    this.#locks.clear()
  }

  #put(key: string, value: Uint8Array, ttlSeconds: number | undefined): void {
    const expiresAt =
      ttlSeconds === undefined || !Number.isFinite(ttlSeconds)
        ? Number.POSITIVE_INFINITY
        : this.#clock() + ttlSeconds * 1000
    this.#entries.set(key, { value: Uint8Array.from(value), expiresAt })
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key)
    if (entry !== undefined && entry.expiresAt <= this.#clock()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }

  #open(): void {
    if (this.#closed) throw new Error('MemoryStore is closed')
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
