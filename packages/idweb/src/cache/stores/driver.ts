import { ConfigError } from '../../errors.ts'

/** Loads a module by specifier: the real dynamic `import()` unless a test replaces it. */
export type PeerImport = (specifier: string) => Promise<unknown>

/** The dynamic `import()`, resolved from idweb's own folder, where its peers are installed. */
export const importPeer: PeerImport = (specifier) => import(specifier)

/** The driver each kind of shared store loads: the module imported and the package to install. */
export const STORE_DRIVERS = {
  redis: { specifier: 'ioredis', pkg: 'ioredis' },
  postgres: { specifier: 'pg', pkg: 'pg' },
  mysql: { specifier: 'mysql2/promise', pkg: 'mysql2' },
} as const satisfies Record<string, { specifier: string; pkg: string }>

/** The optional peer behind `idweb/graph` and `req.identity.graph()`. */
export const GRAPH_SDK = '@microsoft/microsoft-graph-client'

/**
 * Loads an optional peer dependency (a store's driver) on demand. A missing one is a
 * {@link ConfigError} naming the setting that asked for it and the line that installs it.
 * `load` replaces the dynamic import (tests simulating a missing peer).
 *
 * @example
 * ```ts
 * const pg = await loadPeer<typeof import('pg')>('pg', 'pg', 'Idweb.TokenCache.Store')
 * ```
 */
export async function loadPeer<T>(
  specifier: string,
  pkg: string,
  setting: string,
  load: PeerImport = importPeer,
): Promise<T> {
  try {
    const loaded = (await load(specifier)) as T & { default?: unknown }
    return loaded
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ConfigError(
        setting,
        `needs the optional package ${pkg}, which is not installed: run \`npm install ${pkg}\`.`,
        { cause: err },
      )
    }
    throw err
  }
}

/** A store URL with any password replaced by `***`, for messages and logs. */
export function redacted(url: string): string {
  return url.replace(/\/\/([^/@]*)@/, (_m, auth: string) => {
    const colon = auth.indexOf(':')
    return `//${colon === -1 ? '***' : `${auth.slice(0, colon)}:***`}@`
  })
}

/** Credentials for Redis, asked for before the first connection and again at every reconnect. */
export interface RedisCredentials {
  /** The ACL user; absent: the `default` user (for Azure Managed Redis with Entra, the object id). */
  username?: string | undefined
  /** The password (or a short-lived token, e.g. an Entra token for Azure Managed Redis). */
  password: string
}
