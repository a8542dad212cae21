import { ConfigError } from '../errors.ts'
import { type Logger, redactId, silentLogger } from '../logger.ts'
import { type Breaker, storeBreaker } from './breaker.ts'
import { coarseNow } from './coarse-clock.ts'
import { adopt, type CacheStats, newStats, state } from './internal.ts'
import { ByteLru } from './lru.ts'
import { openEntry } from './open-entry.ts'
import { Partition } from './partition.ts'
import { Sealer } from './seal.ts'
import type { CacheStore, StoreWatcher } from './store.ts'
import { StoreKeys, type StoreResult, storeCall, storeKeyOf } from './store-call.ts'
import { lockInStore } from './store-lock.ts'
import { type PartitionStoreContext, reloadPartition, writePartition } from './store-sync.ts'
import { checkedOptions, type FlushResult, type TokenCacheOptions } from './token-cache-options.ts'
import { Tombstones } from './tombstones.ts'
import { watchStore } from './watch-store.ts'

export type { FlushResult, TokenCacheOptions } from './token-cache-options.ts'

/**
 * The token cache: one {@link Partition} per account (or app+tenant, or on-behalf-of assertion),
 * indexed in memory (L1, bounded by bytes, least recently used partitions evicted whole) over an
 * optional shared store (L2) holding one sealed MSAL-schema blob per partition.
 *
 * A silent call is `partition(key)` (one map lookup when in memory) then the partition's
 * synchronous `findAccessToken` (two map lookups in the common case). The store is a cache: its
 * failures and timeouts are misses, logged and counted in {@link TokenCache.stats}.
 *
 * @example
 * ```ts
 * const cache = new TokenCache({ store: new MemoryStore(), keys: [{ id: 'k1', key: randomBytes(32) }] })
 * const p = await cache.partition(homeAccountId)
 * const at = p.findAccessToken({ clientId, environment, realm, scopes: ['User.Read'] })
 * // on a miss: redeem the refresh token, p.saveTokenResponse(...), await cache.flush(p)
 * await cache.remove(homeAccountId) // sign-out
 * ```
 */
export class TokenCache {
  /** Cheap counters: hits, misses, evictions, store errors... */
  readonly stats: CacheStats = newStats()
  readonly #store: CacheStore | undefined
  readonly #sealer: Sealer | undefined
  readonly #l1: ByteLru<Partition>
  readonly #timeoutMs: number
  readonly #ttl: number
  /** A partition sealed longer ago than this is written again when used (sliding expiry). */
  readonly #renewMs: number
  readonly #prefix: string
  readonly #logger: Logger
  readonly #clock: () => number
  /** For renewal decisions on every hit: {@link coarseNow} unless a clock was given. */
  readonly #roughClock: () => number
  readonly #storeKeys: StoreKeys
  readonly #loading = new Map<string, Promise<Partition>>()
  readonly #writes = new Map<string, Promise<FlushResult>>()
  readonly #tombstones = new Tombstones()
  /** Store key → partition key, for the partitions in memory: what change notices name. */
  readonly #byStoreKey = new Map<string, string>()
  readonly #watching: Promise<(() => Promise<void>) | undefined> | undefined
  readonly #breaker: Breaker
  readonly #noL1: boolean
  #seq = 0
  #closed = false
  /** What the store reads and writes of partitions use; `undefined` without a store. */
  readonly #storeSync: PartitionStoreContext | undefined

  constructor(options: TokenCacheOptions = {}) {
    this.#store = options.store
    if (options.store !== undefined && (options.keys === undefined || options.keys.length === 0)) {
      throw new ConfigError('cache.keys', 'a cache store needs a key ring to seal its entries')
    }
    this.#sealer = options.keys === undefined ? undefined : new Sealer(options.keys)
    const { maxBytes, timeoutMs, ttlSeconds, prefix } = checkedOptions(options)
    this.#timeoutMs = timeoutMs
    this.#ttl = ttlSeconds
    this.#renewMs = (ttlSeconds * 1000) / 10
    this.#prefix = prefix
    this.#storeKeys = new StoreKeys(prefix)
    this.#logger = options.logger ?? silentLogger
    this.#clock = options.clock ?? Date.now
    this.#roughClock = options.clock ?? coarseNow
    if (maxBytes === 0 && this.#store === undefined) {
      throw new ConfigError('cache.maxBytes', '0 turns memory off, which needs a store')
    }
    this.#noL1 = maxBytes === 0
    this.#l1 = new ByteLru<Partition>(maxBytes, (key, p) => this.#evicted(key, p))
    this.#breaker = storeBreaker(this.#logger, this.#clock)
    const watcher: StoreWatcher = {
      changed: (storeKey) => {
        const key = this.#byStoreKey.get(storeKey)
        const p = key === undefined ? undefined : this.#l1.peek(key)
        if (p !== undefined) p[state].stale = true
      },
      gap: (reconnected) => {
        for (const p of this.#l1.values()) p[state].stale = true
        // The store is back: read it now, not when a breaker opened by the outage times out.
        if (reconnected) this.#breaker.success()
      },
    }
    const store = this.#store
    const sealer = this.#sealer
    this.#storeSync =
      store === undefined || sealer === undefined
        ? undefined
        : {
            store,
            sealer,
            ttlSeconds: this.#ttl,
            clock: this.#clock,
            logger: this.#logger,
            stats: this.stats,
            storeKey: (key) => this.#storeKey(key),
            isRemoved: (p) => this.#isRemoved(p),
            open: (key, blob, into) => this.#open(key, blob, into),
            call: (op, key, fn) => this.#call(op, key, fn),
          }
    this.#watching = watchStore(this.#store, this.#logger, watcher, {
      closed: () => this.#closed,
    })
  }

  /**
   * The shared store (L2) this cache writes through, if any. Other records every instance must
   * see, such as session revocations, are kept in it too.
   */
  get store(): CacheStore | undefined {
    return this.#store
  }

  /**
   * Seals `text` with the cache's keys for the record `key` of {@link TokenCache.store}, for other
   * records kept beside the partitions that must not sit in the store in plaintext (the sign-in
   * index); `undefined` when the cache has no keys (and so no store).
   */
  sealRecord(key: string, text: string): Uint8Array | undefined {
    return this.#sealer?.seal(`record:${key}`, text, this.#clock())
  }

  /** What {@link TokenCache.sealRecord} sealed for `key`, or `undefined` for anything else. */
  openRecord(key: string, blob: Uint8Array): string | undefined {
    try {
      return this.#sealer
        ? new TextDecoder().decode(this.#sealer.open(`record:${key}`, blob))
        : undefined
    } catch {
      return undefined
    }
  }

  /** Partitions held in memory. */
  get size(): number {
    return this.#l1.size
  }

  /** Approximate bytes held in memory. */
  get bytes(): number {
    return this.#l1.bytes
  }

  /**
   * The partition `key` from memory, else read from the store, else empty. Never rejects: a store
   * failure, timeout or unreadable entry yields an empty partition (a miss).
   */
  async partition(key: string): Promise<Partition> {
    const p = this.#l1.get(key)
    if (p === undefined) return this.#load(key)
    // Another instance changed it (a refresh, a sign-out): the store's copy, not ours.
    if (p[state].stale) await this.#revalidate(p)
    return this.#hit(p) ?? this.#load(key)
  }

  /**
   * {@link TokenCache.partition} when memory can answer at once (held and not flagged stale),
   * with the same bookkeeping; else `undefined`, and the caller awaits `partition`.
   */
  partitionNow(key: string): Partition | undefined {
    const p = this.#l1.get(key)
    return p === undefined || p[state].stale ? undefined : this.#hit(p)
  }

  /** Counts a memory hit on `p` and slides its expiry; `undefined` when it had idled out. */
  #hit(p: Partition): Partition | undefined {
    this.stats.l1Hits++
    if (this.#store !== undefined) this.#slide(p)
    else if (this.#idle(p)) return undefined
    return p
  }

  /** The partition `key` if it is in memory, synchronously; no store access. */
  peek(key: string): Partition | undefined {
    return this.#l1.get(key)
  }

  /**
   * Writes the partition back to the store if it changed: sealed, with compare-and-set when the
   * store has it (on a lost race: re-read, merge, retry), else a plain `set`. Never rejects.
   */
  flush(p: Partition): Promise<FlushResult> {
    if (!p.hasStateChanged) return Promise.resolve('clean')
    if (this.#store === undefined) return Promise.resolve('memory')
    return this.#enqueue(p, false)
  }

  /** Runs a write of `p` after those already queued for it, so one partition's writes never overlap. */
  #enqueue(p: Partition, renew: boolean): Promise<FlushResult> {
    const previous = this.#writes.get(p.key)
    const sync = this.#storeSync as PartitionStoreContext
    const run = (previous ?? Promise.resolve('clean')).then(() => writePartition(sync, p, renew))
    this.#writes.set(p.key, run)
    void run.finally(() => {
      if (this.#writes.get(p.key) === run) this.#writes.delete(p.key)
    })
    return run
  }

  /**
   * Removes partition `key` from memory and from the store (sign-out). Writes of the partition
   * already in flight finish first and are then deleted; later flushes of a partition loaded
   * before the removal write nothing. Resolves `false` when the store could not confirm.
   */
  async remove(key: string): Promise<boolean> {
    this.#tombstones.add(key, ++this.#seq)
    const p = this.#l1.delete(key)
    if (p !== undefined) {
      p[state].onChange = undefined
      p.clear()
      this.#byStoreKey.delete(this.#storeKey(key))
    }
    if (this.#store === undefined) return true
    await this.#writes.get(key)
    const store = this.#store
    const r = await this.#call('delete', key, () => store.delete(this.#storeKey(key)))
    return r.ok
  }

  /**
   * Takes the store's lock for partition `key`, so that one instance of all those sharing the
   * store refreshes it at a time. Resolves the release function; `undefined` when the store has
   * no locks (or there is no store: the in-process lock is then all there is), when the lock was
   * not had within `waitMs`, or when the store failed (logged): the caller then goes on unlocked.
   */
  lock(key: string, ttlMs: number, waitMs: number): Promise<(() => Promise<void>) | undefined> {
    const name = storeKeyOf(`${this.#prefix}lock:`, key)
    return lockInStore(this.#store, name, ttlMs, waitMs, (op, fn, wait) =>
      this.#call(op, key, fn, wait),
    )
  }

  /**
   * Reads partition `p` again from the store and takes what another instance wrote since it was
   * loaded: its content when `p` has no unsaved change, else a merge (newer tokens win); an entry
   * gone from the store (another instance's sign-out) empties `p`. So a refresh taken under the
   * store's lock starts from the newest refresh token, and a removed account stays removed.
   * Resolves `false` when the store failed (`p` is then as it was). Never rejects.
   */
  reload(p: Partition): Promise<boolean> {
    return this.#storeSync === undefined
      ? Promise.resolve(true)
      : reloadPartition(this.#storeSync, p)
  }

  /** Releases the store's connections. */
  async close(): Promise<void> {
    this.#closed = true
    // A watch still starting (its store not open yet) is stopped whenever it starts.
    const watching = this.#watching
    if (watching !== undefined) {
      const started = await Promise.race([watching, Promise.resolve('pending' as const)])
      if (started === 'pending') void watching.then((stop) => stop?.().catch(() => {}))
      else await started?.().catch(() => {})
    }
    await Promise.allSettled(this.#writes.values())
    await this.#store?.close?.()
  }

  #load(key: string): Promise<Partition> {
    this.stats.l1Misses++
    const pending = this.#loading.get(key)
    if (pending !== undefined) return pending
    const run = this.#read(key).finally(() => this.#loading.delete(key))
    this.#loading.set(key, run)
    return run
  }

  async #read(key: string): Promise<Partition> {
    const p = this.#create(key)
    const store = this.#store
    if (store === undefined) return this.#admit(p)
    const storeKey = this.#storeKey(key)
    const r = await this.#call('get', key, () => store.get(storeKey))
    // Not kept in memory: the next call tries the store again.
    if (!r.ok) return p
    if (this.#isRemoved(p)) return this.#admit(this.#create(key))
    if (r.value !== undefined) {
      if (this.#open(key, r.value, p)) {
        adopt(p[state], r.value)
        this.stats.storeHits++
        this.#slide(p)
      } else {
        await this.#call('delete', key, () => store.delete(storeKey))
      }
    }
    return this.#admit(p)
  }

  /** Opens a sealed blob into `into`; `false` (logged, counted) when it cannot be used. */
  #open(key: string, blob: Uint8Array, into: Partition): boolean {
    return openEntry(this.#sealer!, key, blob, into, (reason) => {
      this.stats.corruptEntries++
      this.#logger.warn('token cache entry cannot be opened; deleted and treated as a miss', {
        partition: redactId(key),
        reason,
      })
    })
  }

  #create(key: string): Partition {
    const p = new Partition(key, { clock: this.#clock })
    p[state].seq = ++this.#seq
    p[state].stats = this.stats
    return p
  }

  #admit(p: Partition): Partition {
    if (this.#noL1) return p
    const key = p.key
    p[state].onChange = (bytes) => this.#l1.resize(key, p, bytes)
    p[state].usedAt = this.#roughClock()
    this.#l1.set(key, p, p.byteSize)
    if (this.#watching !== undefined) this.#byStoreKey.set(this.#storeKey(key), key)
    return p
  }

  /**
   * Sliding expiry: when `p`'s store entry was sealed more than a tenth of its lifetime ago, write
   * it again in the background. One clock read on other hits; no store call.
   */
  #slide(p: Partition): void {
    const st = p[state]
    const sealedAt = st.sealedAt
    if (st.snapshot === undefined || this.#roughClock() - sealedAt < this.#renewMs) return
    const attempt = this.#roughClock()
    st.sealedAt = attempt // one renewal at a time; put back if it fails
    void this.#enqueue(p, true).then((r) => {
      if (r === 'failed' && st.sealedAt === attempt) st.sealedAt = sealedAt
    })
  }

  /**
   * Sliding expiry without a store: `p` unused for the cache's lifetime is dropped (the caller
   * answers a miss); else its use is noted. One clock read.
   */
  #idle(p: Partition): boolean {
    const now = this.#roughClock()
    const st = p[state]
    if (now - st.usedAt <= this.#ttl * 1000) {
      st.usedAt = now
      return false
    }
    this.#l1.delete(p.key)
    st.onChange = undefined
    this.stats.evictions++
    return true
  }

  /** Reads a partition flagged stale again; it stays flagged if the store cannot answer. */
  async #revalidate(p: Partition): Promise<void> {
    p[state].stale = false
    if (!(await this.reload(p))) p[state].stale = true
  }

  #evicted(key: string, p: Partition): void {
    this.stats.evictions++
    this.#byStoreKey.delete(this.#storeKey(key))
    p[state].onChange = undefined
    // An evicted partition with unsaved changes is written back rather than lost.
    if (p.hasStateChanged && this.#store !== undefined) void this.flush(p)
    this.#logger.debug('token cache partition evicted', { partition: redactId(key) })
  }

  #isRemoved(p: Partition): boolean {
    return this.#tombstones.removedAfter(p.key, p[state].seq)
  }

  #storeKey(key: string): string {
    return this.#storeKeys.of(key)
  }

  /** A store call, bounded by the store timeout (plus `waitMs` for one that waits, a lock). */
  #call<T>(op: string, key: string, fn: () => Promise<T>, waitMs = 0): Promise<StoreResult<T>> {
    return storeCall(op, key, fn, {
      timeoutMs: waitMs + this.#timeoutMs,
      logger: this.#logger,
      stats: this.stats,
      breaker: this.#breaker,
    })
  }
}
