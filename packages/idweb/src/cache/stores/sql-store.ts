import { randomUUID } from 'node:crypto'
import type { CacheStore, StoreWatcher } from '../store.ts'
import { releaseOrphanedLock } from './orphan-locks.ts'

/** What a SQL store needs of its driver: one parameterised statement at a time. */
export interface SqlRunner {
  /** Runs `sql` with `params`; resolves the rows and the number of rows written. */
  query(
    sql: string,
    params: readonly unknown[],
  ): Promise<{
    /** The rows a `SELECT` (or `RETURNING`) produced. */
    rows: unknown[]
    /** How many rows an `INSERT`, `UPDATE` or `DELETE` wrote. */
    count: number
  }>
  /** Closes the driver's pool. */
  close(): Promise<void>
}

/**
 * A statement, with its parameters in the order the comment of its {@link SqlDialect} field
 * gives; `order` re-arranges them for dialects whose placeholders are positional (`?`).
 */
export type SqlStatement =
  | string
  | {
      /** The statement text, with the dialect's placeholders. */
      readonly sql: string
      /** For each placeholder, the index of the parameter it takes. */
      readonly order: readonly number[]
    }

/**
 * The statements of one SQL dialect over the cache table. Every time is the database's own clock
 * in epoch milliseconds (`now`), so instances with skewed clocks agree on what has expired.
 */
export interface SqlDialect {
  /** (key) → rows of `{ v }`, live only. */
  get: SqlStatement
  /** (key, value, ttlMs | null): insert or replace, bump the version. */
  upsert: SqlStatement
  /** (key). */
  delete: SqlStatement
  /** (key): drop the row if it has expired, so an insert-if-absent can take its place. */
  deleteExpired: SqlStatement
  /** (key, value, ttlMs | null): insert only if absent; count 1 when inserted. */
  insertIfAbsent: SqlStatement
  /** (key, expected, value, ttlMs | null): replace only a live row holding `expected`. */
  replaceIf: SqlStatement
  /** (key, token): delete only if it still holds `token`. */
  deleteIf: SqlStatement
  /** (): delete a bounded batch of expired rows; count = how many. */
  sweep: SqlStatement
}

/**
 * How a SQL store tells other instances which keys changed: PostgreSQL's NOTIFY, or a change log
 * that MySQL instances poll.
 */
export interface SqlChangeFeed {
  /** Announces that `key` changed, after the write. */
  publish(key: string, origin: string): Promise<void>
  /** Reports every announcement; `onGap` when some may have been missed. Resolves a stop. */
  subscribe(
    onChange: (key: string, origin: string) => void,
    onGap: (reconnected?: boolean) => void,
  ): Promise<() => Promise<void>>
}

/** Options of a {@link SqlStore}. */
export interface SqlStoreOptions {
  /** How often expired rows are swept, in ms. Default 60,000; 0 turns the sweep off. */
  sweepEveryMs?: number
  /** How often a waiting `lock` call retries, in ms. Default 15. */
  lockPollMs?: number
}

/**
 * A {@link CacheStore} on a SQL table, shared by the PostgreSQL and MySQL/MariaDB stores: one row
 * per key with its bytes, a version bumped at every write, and an indexed expiry that reads treat
 * as absent and a background sweep deletes in bounded batches. Compare-and-set is a single
 * conditional statement; a lock is a row (`lock` names share the table under their own keys)
 * inserted only when absent or expired and deleted only by its holder, so a holder that dies
 * releases it when its TTL passes.
 */
export class SqlStore implements CacheStore {
  readonly #run: SqlRunner
  readonly #sql: SqlDialect
  readonly #pollMs: number
  readonly #sweep: NodeJS.Timeout | undefined
  readonly #feed: SqlChangeFeed | undefined
  /** Names this store object in its change notices, so it can ignore its own. */
  readonly #origin = randomUUID()

  constructor(
    run: SqlRunner,
    dialect: SqlDialect,
    options: SqlStoreOptions = {},
    feed?: SqlChangeFeed,
  ) {
    this.#run = run
    this.#sql = dialect
    this.#feed = feed
    this.#pollMs = options.lockPollMs ?? 15
    const every = options.sweepEveryMs ?? 60_000
    this.#sweep =
      every > 0 ? setInterval(() => void this.sweep().catch(() => {}), every).unref() : undefined
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.#query(this.#sql.get, [key])
    const row = rows[0] as { v: Uint8Array } | undefined
    return row === undefined ? undefined : new Uint8Array(row.v)
  }

  async set(key: string, value: Uint8Array, ttlSeconds?: number): Promise<void> {
    await this.#query(this.#sql.upsert, [key, Buffer.from(value), ttlMs(ttlSeconds)])
    await this.#feed?.publish(key, this.#origin)
  }

  async delete(key: string): Promise<void> {
    await this.#query(this.#sql.delete, [key])
    await this.#feed?.publish(key, this.#origin)
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array | undefined,
    next: Uint8Array,
    ttlSeconds?: number,
  ): Promise<boolean> {
    const ttl = ttlMs(ttlSeconds)
    if (expected === undefined) {
      const written = await this.#insertIfAbsent(key, Buffer.from(next), ttl)
      if (written) await this.#feed?.publish(key, this.#origin)
      return written
    }
    const { count } = await this.#query(this.#sql.replaceIf, [
      key,
      Buffer.from(expected),
      Buffer.from(next),
      ttl,
    ])
    if (count === 1) await this.#feed?.publish(key, this.#origin)
    return count === 1
  }

  async lock(
    key: string,
    ttlMs: number,
    waitMs: number,
  ): Promise<(() => Promise<void>) | undefined> {
    const token = Buffer.from(randomUUID())
    const release = async () => {
      await this.#query(this.#sql.deleteIf, [key, token])
    }
    const deadline = Date.now() + waitMs
    for (;;) {
      const ttl = Math.max(1, Math.ceil(ttlMs))
      const taken = await this.#insertIfAbsent(key, token, ttl).catch((err: unknown) => {
        releaseOrphanedLock(release, ttl)
        throw err
      })
      if (taken) return release
      if (Date.now() >= deadline) return undefined
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs))
    }
  }

  /** Other instances' changes, through the dialect's change feed (own writes filtered out). */
  watch(watcher: StoreWatcher): Promise<() => Promise<void>> {
    if (this.#feed === undefined) return Promise.resolve(async () => {})
    return this.#feed.subscribe(
      (key, origin) => {
        if (origin !== this.#origin) watcher.changed(key)
      },
      (reconnected) => watcher.gap(reconnected),
    )
  }

  /** Deletes expired rows, a bounded batch at a time (at most 20 batches); resolves how many. */
  async sweep(): Promise<number> {
    let total = 0
    for (let batch = 0; batch < 20; batch++) {
      const { count } = await this.#query(this.#sql.sweep, [])
      total += count
      if (count === 0) break
    }
    return total
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep)
    await this.#run.close()
  }

  #query(statement: SqlStatement, args: readonly unknown[]) {
    if (typeof statement === 'string') return this.#run.query(statement, args)
    return this.#run.query(
      statement.sql,
      statement.order.map((i) => args[i]),
    )
  }

  async #insertIfAbsent(key: string, value: Buffer, ttl: number | null): Promise<boolean> {
    await this.#query(this.#sql.deleteExpired, [key])
    const { count } = await this.#query(this.#sql.insertIfAbsent, [key, value, ttl])
    return count === 1
  }
}

function ttlMs(seconds: number | undefined): number | null {
  if (seconds === undefined || !Number.isFinite(seconds)) return null
  return Math.max(1, Math.ceil(seconds * 1000))
}

/** Whether `name` may be spliced into SQL as a table name (up to 48 characters, to leave room for suffixes). */
export function isSqlIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,47}$/.test(name)
}
