import type { Pool, PoolConfig } from 'pg'
import { ConfigError } from '../../errors.ts'
import { loadPeer, STORE_DRIVERS } from './driver.ts'
import { checkSqlTarget, migrateOrRefuse } from './sql-connect.ts'
import { type SqlChangeFeed, type SqlDialect, SqlStore, type SqlStoreOptions } from './sql-store.ts'

/** The schema version this release writes; a newer one in the database is refused. */
export const POSTGRES_SCHEMA_VERSION = 1

/** Options of {@link connectPostgresStore}. */
export interface ConnectPostgresOptions extends SqlStoreOptions {
  /** Table name. Default `idweb_cache`. */
  table?: string
  /** Pool size. Default 10. */
  maxConnections?: number
  /** Abort a statement after this many ms. Default 2,000. */
  statementTimeoutMs?: number
  /** Give up connecting after this many ms. Default 5,000. */
  connectTimeoutMs?: number
  /** The setting the URL came from, named in errors. Default `Idweb.TokenCache.Store`. */
  setting?: string
}

/** Epoch milliseconds on the database's clock. */
const NOW = '(extract(epoch from clock_timestamp()) * 1000)::bigint'

function dialect(t: string): SqlDialect {
  const expiry = (n: number) =>
    `CASE WHEN $${n}::bigint IS NULL THEN NULL ELSE ${NOW} + $${n}::bigint END`
  const live = `(expires_at IS NULL OR expires_at > ${NOW})`
  return {
    get: `SELECT v FROM ${t} WHERE k = $1 AND ${live}`,
    upsert: `INSERT INTO ${t} (k, v, expires_at) VALUES ($1, $2, ${expiry(3)})
      ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, expires_at = EXCLUDED.expires_at,
      version = ${t}.version + 1`,
    delete: `DELETE FROM ${t} WHERE k = $1`,
    deleteExpired: `DELETE FROM ${t} WHERE k = $1 AND expires_at IS NOT NULL AND expires_at <= ${NOW}`,
    insertIfAbsent: `INSERT INTO ${t} (k, v, expires_at) VALUES ($1, $2, ${expiry(3)})
      ON CONFLICT (k) DO NOTHING`,
    replaceIf: `UPDATE ${t} SET v = $3, expires_at = ${expiry(4)}, version = version + 1
      WHERE k = $1 AND v = $2 AND ${live}`,
    deleteIf: `DELETE FROM ${t} WHERE k = $1 AND v = $2`,
    sweep: `DELETE FROM ${t} WHERE k IN (SELECT k FROM ${t}
      WHERE expires_at IS NOT NULL AND expires_at <= ${NOW} LIMIT 500)`,
  }
}

/**
 * A {@link SqlStore} on PostgreSQL through `pg` (an optional peer), from a `postgres://` or
 * `postgresql://` URL. On first use it creates its table (key, bytes, version, expiry in epoch ms
 * with a partial index) and records the schema version in `idweb_schema`, under an advisory lock
 * so that instances starting together do not race. Resolves once the database answered; rejects
 * naming `setting` when the URL is bad, `pg` is missing, or the database cannot be reached.
 *
 * @example
 * ```ts
 * const store = await connectPostgresStore('postgres://postgres@127.0.0.1:5432/app')
 * ```
 */
export async function connectPostgresStore(
  url: string,
  options: ConnectPostgresOptions = {},
): Promise<SqlStore> {
  const setting = options.setting ?? 'Idweb.TokenCache.Store'
  const table = options.table ?? 'idweb_cache'
  checkSqlTarget(url, 'postgres(ql)?', 'postgres', table, setting)
  const pg = await loadPeer<typeof import('pg')>(
    STORE_DRIVERS.postgres.specifier,
    STORE_DRIVERS.postgres.pkg,
    setting,
  )
  const timeout = options.statementTimeoutMs ?? 2000
  const config: PoolConfig = {
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: timeout,
    statement_timeout: timeout,
  }
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof import('pg') }).default.Pool
  const pool = new Pool(config)
  pool.on('error', () => {}) // an idle client lost its server; the next query reconnects
  await migrateOrRefuse(
    () => migrate(pool, table),
    () => pool.end(),
    'PostgreSQL',
    url,
    setting,
  )
  const Client = pg.Client ?? (pg as unknown as { default: typeof import('pg') }).default.Client
  return new SqlStore(
    {
      async query(sql, params) {
        const result = await pool.query(sql, params as unknown[])
        return { rows: result.rows, count: result.rowCount ?? 0 }
      },
      close: () => pool.end(),
    },
    dialect(table),
    options,
    notifyFeed(pool, () => new Client(config), `idweb_changed_${table}`.slice(0, 63)),
  )
}

/**
 * Changes announced with `pg_notify` and heard on a `LISTEN` connection of their own, which is
 * re-established after it drops (each drop and each return is a gap: notices meanwhile are lost).
 */
function notifyFeed(
  pool: Pool,
  connect: () => import('pg').Client,
  channel: string,
): SqlChangeFeed {
  return {
    async publish(key, origin) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, `${origin}|${key}`])
    },
    async subscribe(onChange, onGap) {
      let stopped = false
      let current: import('pg').Client | undefined
      const listen = async (): Promise<void> => {
        const client = connect()
        current = client
        let live = false
        client.on('error', () => {})
        client.on('notification', (message) => {
          const payload = message.payload ?? ''
          const bar = payload.indexOf('|')
          if (bar !== -1) onChange(payload.slice(bar + 1), payload.slice(0, bar))
        })
        client.once('end', () => {
          if (stopped || !live) return
          onGap()
          setTimeout(() => void again(), 500).unref()
        })
        try {
          await client.connect()
          await client.query(`LISTEN "${channel}"`)
        } catch (err) {
          await client.end().catch(() => {})
          throw err
        }
        live = true
      }
      const again = async (): Promise<void> => {
        if (stopped) return
        try {
          await listen()
          onGap(true) // listening again: what was announced while away is lost
        } catch {
          setTimeout(() => void again(), 1000).unref()
        }
      }
      await listen()
      return async () => {
        stopped = true
        await current?.end().catch(() => {})
      }
    },
  }
}

async function migrate(pool: Pool, table: string): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['idweb:schema'])
    await client.query(
      'CREATE TABLE IF NOT EXISTS idweb_schema (component text PRIMARY KEY, version integer NOT NULL)',
    )
    const found = await client.query('SELECT version FROM idweb_schema WHERE component = $1', [
      table,
    ])
    const version = (found.rows[0] as { version?: number } | undefined)?.version ?? 0
    if (version > POSTGRES_SCHEMA_VERSION) {
      throw new ConfigError(
        'Idweb.TokenCache.Store',
        `table ${table} has schema version ${version}, newer than this idweb's ${POSTGRES_SCHEMA_VERSION}: upgrade idweb.`,
      )
    }
    if (version < 1) {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        k text PRIMARY KEY,
        v bytea NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        expires_at bigint
      )`)
      await client.query(
        `CREATE INDEX IF NOT EXISTS ${table}_expires ON ${table} (expires_at) WHERE expires_at IS NOT NULL`,
      )
      await client.query(
        `INSERT INTO idweb_schema (component, version) VALUES ($1, 1)
         ON CONFLICT (component) DO UPDATE SET version = 1`,
        [table],
      )
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['idweb:schema']).catch(() => {})
    client.release()
  }
}
