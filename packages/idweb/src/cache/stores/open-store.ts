import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../../errors.ts'
import type { CacheStore, StoreWatcher } from '../store.ts'
import { type RedisCredentials, redacted } from './driver.ts'
import { FileStore } from './file.ts'
import { MemoryStore } from './memory.ts'
import { connectMysqlStore } from './mysql.ts'
import { connectPostgresStore } from './postgres.ts'
import { connectRedisStore, parseRedisUrl } from './redis-connect.ts'

/** The kinds of store a URL can name. */
export type StoreKind = 'memory' | 'file' | 'redis' | 'postgres' | 'mysql'

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** The setting the URL came from, named in errors. Default `Idweb.TokenCache.Store`. */
  setting?: string
  /** Redis credentials asked again at every reconnect (see `connectRedisStore`). */
  redisCredentials?: () => RedisCredentials | Promise<RedisCredentials>
  /** Folder that relative `file:` paths are taken from. Default the working directory. */
  cwd?: string
}

/**
 * Which store `url` names, checked without connecting: `memory`, `file:./path` (or
 * `file:///absolute/path`), `redis://`, `rediss://`, `redis+sentinel://`, `redis+cluster://`,
 * `postgres://` (`postgresql://`), `mysql://` (`mariadb://`).
 *
 * @throws ConfigError naming `setting` for anything else.
 */
export function storeKind(url: string, setting = 'Idweb.TokenCache.Store'): StoreKind {
  const scheme = url === 'memory' ? 'memory' : /^([a-z+]+):/i.exec(url)?.[1]?.toLowerCase()
  switch (scheme) {
    case 'memory':
      return 'memory'
    case 'file':
      if (url.length <= 'file:'.length) break
      return 'file'
    case 'redis':
    case 'rediss':
    case 'redis+sentinel':
    case 'redis+cluster':
      parseRedisUrl(url, setting)
      return 'redis'
    case 'postgres':
    case 'postgresql':
      return 'postgres'
    case 'mysql':
    case 'mariadb':
      return 'mysql'
  }
  throw new ConfigError(
    setting,
    `${redacted(url)} names no store: use memory, file:./folder, redis://host:6379, rediss://, redis+sentinel://host:26379/master, redis+cluster://host:7000,host:7001, postgres://user@host/db or mysql://user@host/db.`,
  )
}

/**
 * Opens the store `url` names (see {@link storeKind}), loading its driver, an optional peer, on
 * demand. Resolves once the store answered; rejects with a ConfigError naming `setting` when the
 * URL is bad, the driver is not installed (with its `npm install` line), or the server cannot be
 * reached.
 *
 * @example
 * ```ts
 * const store = await openStore(process.env.IDWEB_CACHE ?? 'memory')
 * ```
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<CacheStore> {
  const setting = options.setting ?? 'Idweb.TokenCache.Store'
  switch (storeKind(url, setting)) {
    case 'memory':
      return new MemoryStore()
    case 'file':
      return new FileStore(filePath(url, options.cwd))
    case 'redis':
      return connectRedisStore(url, {
        setting,
        ...(options.redisCredentials ? { credentials: options.redisCredentials } : {}),
      })
    case 'postgres':
      return connectPostgresStore(url, { setting })
    case 'mysql':
      return connectMysqlStore(url, { setting })
  }
}

/** The folder of a `file:` store URL: `file:./relative`, `file:relative` or `file:///absolute`. */
export function filePath(url: string, cwd = process.cwd()): string {
  if (url.startsWith('file://')) return fileURLToPath(url)
  const path = decodeURIComponent(url.slice('file:'.length))
  return isAbsolute(path) ? path : resolve(cwd, path)
}

/**
 * A store opened in the background: calls wait for it, and while it cannot be opened they fail
 * (the token cache counts that as a miss) and the next call tries again, at most once per
 * `retryMs`. {@link LazyStore.ready} resolves once it is open, or rejects with the reason.
 */
export class LazyStore implements CacheStore {
  readonly #open: () => Promise<CacheStore>
  readonly #retryMs: number
  #store: Promise<CacheStore> | undefined
  #failedAt = Number.NEGATIVE_INFINITY
  #closed = false
  #closing: Promise<void> | undefined
  #lastError: unknown

  constructor(open: () => Promise<CacheStore>, options: { retryMs?: number } = {}) {
    this.#open = open
    this.#retryMs = options.retryMs ?? 2000
  }

  /**
   * Opens the store now if it is not open yet; rejects with why it cannot be: the opening's own
   * error, also when another caller's attempt just failed (two caches sharing the store both
   * start opening it when they are built).
   */
  ready(): Promise<CacheStore> {
    return this.#current().catch((err: unknown) => {
      throw this.#lastError ?? err
    })
  }

  async get(key: string) {
    return (await this.#current()).get(key)
  }

  async set(key: string, value: Uint8Array, ttlSeconds?: number) {
    return (await this.#current()).set(key, value, ttlSeconds)
  }

  async delete(key: string) {
    return (await this.#current()).delete(key)
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array | undefined,
    next: Uint8Array,
    ttlSeconds?: number,
  ) {
    const store = await this.#current()
    if (!store.compareAndSet) throw new Error('the store has no compare-and-set')
    return store.compareAndSet(key, expected, next, ttlSeconds)
  }

  async lock(key: string, ttlMs: number, waitMs: number) {
    const store = await this.#current()
    if (!store.lock) throw new Error('the store has no locks')
    return store.lock(key, ttlMs, waitMs)
  }

  /**
   * Watches the store once it is open (trying again every `retryMs` until it is), resolving
   * when the notices have begun; a store without notices resolves a no-op.
   */
  async watch(watcher: StoreWatcher): Promise<() => Promise<void>> {
    for (;;) {
      if (this.#closed) return async () => {}
      const store = await this.#current().catch(() => undefined)
      if (store !== undefined) {
        return store.watch ? store.watch(watcher) : async () => {}
      }
      await new Promise((resolve) => setTimeout(resolve, this.#retryMs).unref())
    }
  }

  /** Closes the store once; later calls (from every cache sharing it) wait for that one. */
  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= (async () => {
      const store = await this.#store?.catch(() => undefined)
      await store?.close?.()
    })()
    return this.#closing
  }

  #current(): Promise<CacheStore> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'))
    if (this.#store !== undefined) return this.#store
    if (Date.now() - this.#failedAt < this.#retryMs) {
      return Promise.reject(new Error('the store could not be opened; retrying shortly'))
    }
    const opening = this.#open()
    this.#store = opening
    opening.catch((err: unknown) => {
      if (this.#store === opening) this.#store = undefined
      this.#failedAt = Date.now()
      this.#lastError = err
    })
    return opening
  }
}
