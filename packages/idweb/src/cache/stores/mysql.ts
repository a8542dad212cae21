import type { Pool, PoolOptions } from 'mysql2/promise'
import { ConfigError } from '../../errors.ts'
import { loadPeer, STORE_DRIVERS } from './driver.ts'
import { checkSqlTarget, migrateOrRefuse } from './sql-connect.ts'
import { type SqlChangeFeed, type SqlDialect, SqlStore, type SqlStoreOptions } from './sql-store.ts'

/** The schema version this release writes; a newer one in the database is refused. */
export const MYSQL_SCHEMA_VERSION = 2

/** Options of {@link connectMysqlStore}. */
export interface ConnectMysqlOptions extends SqlStoreOptions {
  /** Table name. Default `idweb_cache`. */
  table?: string
  /** Pool size. Default 10. */
  maxConnections?: number
  /** Abort a statement after this many ms. Default 2,000. */
  statementTimeoutMs?: number
  /** Give up connecting after this many ms. Default 5,000. */
  connectTimeoutMs?: number
  /** How often other instances' changes are looked for, in ms. Default 100. */
  changePollMs?: number
  /** The setting the URL came from, named in errors. Default `Idweb.TokenCache.Store`. */
  setting?: string
}

/** MySQL's error number for a statement rolled back as a deadlock victim. */
const ER_LOCK_DEADLOCK = 1213

/** Epoch milliseconds on the database's clock. */
const NOW = 'CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)'

function dialect(t: string): SqlDialect {
  // `NOW + NULL` is NULL: a missing TTL is no expiry, with one placeholder.
  const live = `(expires_at IS NULL OR expires_at > ${NOW})`
  return {
    get: `SELECT v FROM ${t} WHERE k = ? AND ${live}`,
    upsert: `INSERT INTO ${t} (k, v, expires_at) VALUES (?, ?, ${NOW} + ?)
      ON DUPLICATE KEY UPDATE v = VALUES(v), expires_at = VALUES(expires_at), version = version + 1`,
    delete: `DELETE FROM ${t} WHERE k = ?`,
    deleteExpired: `DELETE FROM ${t} WHERE k = ? AND expires_at IS NOT NULL AND expires_at <= ${NOW}`,
    insertIfAbsent: `INSERT IGNORE INTO ${t} (k, v, expires_at) VALUES (?, ?, ${NOW} + ?)`,
    replaceIf: {
      sql: `UPDATE ${t} SET v = ?, expires_at = ${NOW} + ?, version = version + 1
        WHERE k = ? AND v = ? AND ${live}`,
      order: [2, 3, 0, 1],
    },
    deleteIf: `DELETE FROM ${t} WHERE k = ? AND v = ?`,
    sweep: `DELETE FROM ${t} WHERE expires_at IS NOT NULL AND expires_at <= ${NOW} LIMIT 500`,
  }
}

/**
 * A {@link SqlStore} on MySQL or MariaDB through `mysql2` (an optional peer), from a `mysql://`
 * URL. On first use it creates its table (binary key, bytes, version, indexed expiry in epoch ms)
 * and records the schema version in `idweb_schema`, under `GET_LOCK` so that instances starting
 * together do not race. Resolves once the database answered; rejects naming `setting` when the
 * URL is bad, `mysql2` is missing, or the database cannot be reached.
 *
 * @example
 * ```ts
 * const store = await connectMysqlStore('mysql://root@127.0.0.1:3306/app')
 * ```
 */
export async function connectMysqlStore(
  url: string,
  options: ConnectMysqlOptions = {},
): Promise<SqlStore> {
  const setting = options.setting ?? 'Idweb.TokenCache.Store'
  const table = options.table ?? 'idweb_cache'
  checkSqlTarget(url, '(mysql|mariadb)', 'mysql', table, setting)
  const mysql = await loadPeer<typeof import('mysql2/promise')>(
    STORE_DRIVERS.mysql.specifier,
    STORE_DRIVERS.mysql.pkg,
    setting,
  )
  const timeout = options.statementTimeoutMs ?? 2000
  const config: PoolOptions = {
    uri: url.replace(/^mariadb:/i, 'mysql:'),
    connectionLimit: options.maxConnections ?? 10,
    connectTimeout: options.connectTimeoutMs ?? 5000,
  }
  const createPool =
    mysql.createPool ?? (mysql as unknown as { default: typeof mysql }).default.createPool
  const pool = createPool(config)
  pool.on('connection', (connection) => {
    connection.on('error', () => {}) // a lost connection fails its query; the pool replaces it
  })
  await migrateOrRefuse(
    () => migrate(pool, table),
    () => pool.end(),
    'MySQL',
    url,
    setting,
  )
  return new SqlStore(
    {
      async query(sql, params) {
        // InnoDB may pick a contended single-statement write as a deadlock victim and roll it
        // back: it ran as if not at all, so running it again is safe.
        for (let attempt = 0; ; attempt++) {
          try {
            const [result] = await pool.query({ sql, timeout }, params as unknown[])
            if (Array.isArray(result)) return { rows: result, count: result.length }
            return { rows: [], count: (result as { affectedRows: number }).affectedRows }
          } catch (err) {
            if (attempt >= 4 || (err as { errno?: number }).errno !== ER_LOCK_DEADLOCK) throw err
            await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20))
          }
        }
      },
      close: () => pool.end(),
    },
    dialect(table),
    options,
    changeLog(pool, `${table}_changes`, options.changePollMs ?? 100),
  )
}

/**
 * MySQL has no notifications: every write also appends to a change log, which watching instances
 * poll (every `pollMs`), re-reading a margin of recent ids because concurrent inserts may commit
 * out of id order. A failed poll is a gap. Entries older than a minute are trimmed.
 */
function changeLog(pool: Pool, log: string, pollMs: number): SqlChangeFeed {
  return {
    async publish(key, origin) {
      await pool.query(`INSERT INTO ${log} (k, origin, at) VALUES (?, ?, ${NOW})`, [key, origin])
    },
    async subscribe(onChange, onGap) {
      const [rows] = await pool.query(`SELECT COALESCE(MAX(id), 0) AS id FROM ${log}`)
      let last = Number((rows as { id: number | string }[])[0]?.id ?? 0)
      const seen = new Set<number>()
      let failing = false
      let polls = 0
      const poll = async () => {
        try {
          const [changes] = await pool.query(
            `SELECT id, k, origin FROM ${log} WHERE id > ? ORDER BY id LIMIT 1000`,
            [Math.max(0, last - 50)],
          )
          // Answering again after failed polls: what changed meanwhile was read, but the
          // cache may have stopped calling the store while it failed.
          if (failing) onGap(true)
          failing = false
          for (const row of changes as { id: number | string; k: Buffer; origin: string }[]) {
            const id = Number(row.id)
            if (seen.has(id)) continue
            seen.add(id)
            last = Math.max(last, id)
            onChange(Buffer.from(row.k).toString('utf8'), row.origin)
          }
          for (const id of seen) if (id < last - 1000) seen.delete(id)
          if (++polls % 100 === 0) {
            await pool.query(`DELETE FROM ${log} WHERE at < ${NOW} - 60000 LIMIT 1000`)
          }
        } catch {
          if (!failing) onGap()
          failing = true
        }
      }
      let stopped = false
      let running: Promise<void> = Promise.resolve()
      const timer = setInterval(() => {
        if (!stopped) running = running.then(poll)
      }, pollMs)
      timer.unref()
      return async () => {
        stopped = true
        clearInterval(timer)
        await running
      }
    },
  }
}

async function migrate(pool: Pool, table: string): Promise<void> {
  const connection = await pool.getConnection()
  try {
    await connection.query("SELECT GET_LOCK('idweb:schema', 10)")
    await connection.query(
      'CREATE TABLE IF NOT EXISTS idweb_schema (component VARCHAR(64) PRIMARY KEY, version INT NOT NULL)',
    )
    const [found] = await connection.query('SELECT version FROM idweb_schema WHERE component = ?', [
      table,
    ])
    const version = (found as { version?: number }[])[0]?.version ?? 0
    if (version > MYSQL_SCHEMA_VERSION) {
      throw new ConfigError(
        'Idweb.TokenCache.Store',
        `table ${table} has schema version ${version}, newer than this idweb's ${MYSQL_SCHEMA_VERSION}: upgrade idweb.`,
      )
    }
    // Each step brings the schema from the version before it; a fresh database runs them all.
    const steps = [
      `CREATE TABLE IF NOT EXISTS ${table} (
        k VARBINARY(255) NOT NULL PRIMARY KEY,
        v LONGBLOB NOT NULL,
        version BIGINT NOT NULL DEFAULT 1,
        expires_at BIGINT NULL,
        KEY ${table}_expires (expires_at)
      ) ENGINE=InnoDB`,
      `CREATE TABLE IF NOT EXISTS ${table}_changes (
        id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        k VARBINARY(255) NOT NULL,
        origin CHAR(36) NOT NULL,
        at BIGINT NOT NULL,
        KEY ${table}_changes_at (at)
      ) ENGINE=InnoDB`,
    ]
    for (let step = version; step < MYSQL_SCHEMA_VERSION; step++) {
      await connection.query(steps[step] as string)
      await connection.query(
        'INSERT INTO idweb_schema (component, version) VALUES (?, ?) ON DUPLICATE KEY UPDATE version = ?',
        [table, step + 1, step + 1],
      )
    }
  } finally {
    await connection.query("SELECT RELEASE_LOCK('idweb:schema')").catch(() => {})
    connection.release()
  }
}
