import { ConfigError } from '../../errors.ts'
import { redacted } from './driver.ts'
import { isSqlIdentifier } from './sql-store.ts'

/**
 * Checks a SQL store's URL and table name before anything connects: `scheme` is a pattern such as
 * `postgres(ql)?`, `name` the scheme as the message spells it. A bad one is a ConfigError naming
 * `setting`, the password redacted.
 */
export function checkSqlTarget(
  url: string,
  scheme: string,
  name: string,
  table: string,
  setting: string,
): void {
  if (!new RegExp(`^${scheme}:\\/\\/[^/]`, 'i').test(url)) {
    throw new ConfigError(setting, `${redacted(url)} is not a ${name}:// URL.`)
  }
  if (!isSqlIdentifier(table)) {
    throw new ConfigError(`${setting} (table)`, `"${table}" is not a plain SQL table name.`)
  }
}

/**
 * Runs a SQL store's first-use migration. If it fails, the pool is closed and the failure becomes
 * a ConfigError naming `setting` (one the migration raised itself is passed on as it is).
 */
export async function migrateOrRefuse(
  migrate: () => Promise<void>,
  closePool: () => Promise<void>,
  server: string,
  url: string,
  setting: string,
): Promise<void> {
  try {
    await migrate()
  } catch (err) {
    await closePool().catch(() => {})
    if (err instanceof ConfigError) throw err
    throw new ConfigError(
      setting,
      `cannot use ${server} at ${redacted(url)}: ${err instanceof Error ? err.message : String(err)}. Is the server running, and are the URL and credentials right?`,
      { cause: err },
    )
  }
}
