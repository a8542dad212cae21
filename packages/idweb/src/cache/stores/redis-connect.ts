import type { ClusterOptions, RedisOptions } from 'ioredis'
import { ConfigError } from '../../errors.ts'
import { loadPeer, type RedisCredentials, redacted, STORE_DRIVERS } from './driver.ts'

export { type RedisCredentials, redacted }

import { type RedisClient, RedisStore, type RedisStoreOptions } from './redis.ts'

/** Options of {@link connectRedisStore}. */
export interface ConnectRedisOptions extends RedisStoreOptions {
  /**
   * Asked for before the first connection and again before every reconnect, so a short-lived
   * token works (an Entra access token for Azure Managed Redis, with the object id as username).
   * Overrides credentials in the URL.
   */
  credentials?: () => RedisCredentials | Promise<RedisCredentials>
  /** Abort a command after this many ms so none pile up while Redis is paused. Default 1,000. */
  commandTimeoutMs?: number
  /** Give up connecting after this many ms. Default 5,000. */
  connectTimeoutMs?: number
  /** The setting the URL came from, named in errors. Default `Idweb.TokenCache.Store`. */
  setting?: string
}

/**
 * Connects a {@link RedisStore} from a URL, loading ioredis (an optional peer) on demand:
 *
 * - `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS;
 * - `redis+sentinel://[user:password@]host:port[,host:port...]/masterName[/db]`;
 * - `redis+cluster://[user:password@]host:port[,host:port...]`.
 *
 * The client reconnects by itself after a restart; commands never queue for more than
 * `commandTimeoutMs`. Resolves once connected; rejects naming `setting` when the URL is bad, the
 * driver is missing or the server cannot be reached.
 *
 * @example
 * ```ts
 * const store = await connectRedisStore('redis://127.0.0.1:6379')
 * ```
 */
export async function connectRedisStore(
  url: string,
  options: ConnectRedisOptions = {},
): Promise<RedisStore> {
  const setting = options.setting ?? 'Idweb.TokenCache.Store'
  const target = parseRedisUrl(url, setting)
  const ioredis = await loadPeer<typeof import('ioredis')>(
    STORE_DRIVERS.redis.specifier,
    STORE_DRIVERS.redis.pkg,
    setting,
  )
  const common: RedisOptions = {
    lazyConnect: true,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  }
  const retry = (times: number) => {
    if (options.credentials) void refresh()
    return Math.min(50 * 2 ** Math.min(times, 6), 2000)
  }
  let client: RedisClient
  if (target.kind === 'cluster') {
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      redisOptions: common,
      clusterRetryStrategy: retry,
      slotsRefreshTimeout: options.connectTimeoutMs ?? 5000,
    }
    client = new ioredis.Cluster(target.nodes, clusterOptions)
  } else if (target.kind === 'sentinel') {
    client = new ioredis.Redis({
      ...common,
      sentinels: target.nodes,
      name: target.master,
      db: target.db,
      retryStrategy: retry,
      sentinelRetryStrategy: retry,
    })
  } else {
    client = new ioredis.Redis({
      ...common,
      ...target.nodes[0],
      db: target.db,
      retryStrategy: retry,
    })
  }
  const refresh = async () => {
    if (!options.credentials) return
    const credentials = await options.credentials()
    const into =
      target.kind === 'cluster'
        ? ((client.options as ClusterOptions).redisOptions ?? {})
        : (client.options as RedisOptions)
    into.username = credentials.username
    into.password = credentials.password
  }
  client.on('error', () => {}) // reported by the commands that fail; reconnects on its own
  // ioredis's Cluster connect() can stay pending for good: a ready check that fails (a node not
  // yet at cluster_state:ok) reconnects without settling the first promise. Bounded here.
  const limitMs = (options.connectTimeoutMs ?? 5000) * 2
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${limitMs} ms`)), limitMs)
  })
  try {
    await refresh()
    await Promise.race([client.connect(), timedOut])
  } catch (err) {
    client.disconnect()
    throw new ConfigError(
      setting,
      `cannot connect to Redis at ${redacted(url)}: ${err instanceof Error ? err.message : String(err)}. Is the server running, and are the URL and credentials right?`,
      { cause: err },
    )
  } finally {
    clearTimeout(timer)
  }
  return new RedisStore(client, options)
}

interface RedisTarget {
  kind: 'standalone' | 'sentinel' | 'cluster'
  nodes: { host: string; port: number }[]
  master?: string
  db: number
  username?: string
  password?: string
  tls: boolean
}

/** Reads a Redis store URL; throws a {@link ConfigError} naming `setting` when it is not one. */
export function parseRedisUrl(url: string, setting: string): RedisTarget {
  const scheme = /^([a-z+]+):\/\//i.exec(url)?.[1]?.toLowerCase()
  const kinds: Record<string, RedisTarget['kind']> = {
    redis: 'standalone',
    rediss: 'standalone',
    'redis+sentinel': 'sentinel',
    'redis+cluster': 'cluster',
  }
  const kind = scheme === undefined ? undefined : kinds[scheme]
  if (kind === undefined || scheme === undefined) {
    throw new ConfigError(
      setting,
      `${redacted(url)} is not a Redis URL: use redis://host:port, rediss://, redis+sentinel://host:port/master or redis+cluster://host:port,host:port.`,
    )
  }
  const rest = url.slice(scheme.length + 3)
  const at = rest.lastIndexOf('@')
  const auth = at === -1 ? '' : rest.slice(0, at)
  const [hostsPart = '', ...path] = (at === -1 ? rest : rest.slice(at + 1)).split('/')
  const nodes = hostsPart.split(',').map((h) => hostPort(h, url, setting))
  let master: string | undefined
  if (kind === 'sentinel') {
    master = path.shift()
    if (!master) {
      throw new ConfigError(
        setting,
        `${redacted(url)} names no master: add /masterName after the sentinels.`,
      )
    }
  }
  const dbText = path.shift() || '0'
  const db = Number(dbText)
  if (!Number.isSafeInteger(db) || db < 0 || path.length > 0 || (kind === 'cluster' && db !== 0)) {
    throw new ConfigError(setting, `${redacted(url)} has an invalid database path "/${dbText}".`)
  }
  if (kind !== 'sentinel' && nodes.length > 1 && kind !== 'cluster') {
    throw new ConfigError(
      setting,
      `${redacted(url)} lists several hosts: use redis+cluster:// or redis+sentinel://.`,
    )
  }
  const colon = auth.indexOf(':')
  const username = colon === -1 ? undefined : decodeURIComponent(auth.slice(0, colon)) || undefined
  const password =
    auth === '' ? undefined : decodeURIComponent(colon === -1 ? auth : auth.slice(colon + 1))
  return {
    kind,
    nodes,
    ...(master !== undefined ? { master } : {}),
    db,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    tls: scheme === 'rediss',
  }
}

function hostPort(text: string, url: string, setting: string): { host: string; port: number } {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(text)
  const port = Number(match?.[2] ?? 6379)
  if (!match?.[1] || port < 1 || port > 65_535) {
    throw new ConfigError(setting, `${redacted(url)} has an invalid host "${text.slice(0, 80)}".`)
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port }
}
