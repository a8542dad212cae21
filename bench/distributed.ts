// Silent acquisition over a shared store: idweb with its L1 in front of Redis (every hit runs the
// cross-instance consistency check), idweb with no L1 on Redis and on PostgreSQL (one store read
// per call), and msal-node with a per-user partition through its DistributedCachePlugin on the
// same Redis. Every library is populated with the same accounts and tokens.
import { DistributedCachePlugin, type ICacheClient, type IPartitionManager } from '@azure/msal-node'
import { type CacheStore, cacheKeysFromSecrets, openStore, TokenAcquirer, TokenCache } from 'idweb'
import { Redis } from 'ioredis'
import pg from 'pg'
import { offlineMsalApp } from '../packages/idweb/test/cache/msal-offline.ts'
import {
  type BenchAccount,
  CLIENT,
  ENV,
  msalAccountOf,
  msalCacheJson,
  responseFor,
  SCOPES,
  TENANT,
  userOf,
} from './data.ts'
import { msalScenario, type Scenario } from './scenarios.ts'

const keys = cacheKeysFromSecrets(['a-benchmark-secret-sealing-the-store-entries'])

/** A scenario holding connections, closed after it is measured. */
export interface StoreScenario extends Scenario {
  close(): Promise<void>
  /** Bytes the L1 holds, and its bound, where there is one. */
  memory?: () => { bytes: number; bound: number }
}

/** Where the shared stores are: a Redis and a PostgreSQL URL, and a table name for this run. */
export interface StoreTargets {
  redis: string
  postgres: string
  table: string
}

/** Deletes every key of `redis` that matches `pattern`. */
async function unlinkMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    if (found.length > 0) await redis.unlink(...found)
  } while (cursor !== '0')
}

function acquirerOn(cache: TokenCache, count: () => void) {
  return new TokenAcquirer({
    cache,
    clientId: CLIENT,
    environment: ENV,
    authorityType: 'MSSTS',
    protocol: async () => {
      count()
      throw new Error('bench: the provider must not be called on a cache hit')
    },
  })
}

/** Writes every account's partition through `cache`, `parallel` writes at a time. */
async function populate(cache: TokenCache, accounts: readonly BenchAccount[], parallel = 64) {
  let next = 0
  const worker = async () => {
    while (next < accounts.length) {
      const a = accounts[next++]!
      const p = await cache.partition(a.homeAccountId)
      p.saveTokenResponse(responseFor(a))
      const r = await cache.flush(p)
      if (r !== 'written') throw new Error(`bench: populating the store failed (${r})`)
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
}

async function openFor(kind: 'redis' | 'postgres', t: StoreTargets): Promise<CacheStore> {
  if (kind === 'redis') return openStore(t.redis)
  const { connectPostgresStore } = await import('idweb/postgres')
  return connectPostgresStore(t.postgres, { table: t.table, statementTimeoutMs: 10_000 })
}

/** Writes every account's partition into the store `kind`, sealed as idweb writes it. */
export async function populateStore(
  kind: 'redis' | 'postgres',
  accounts: readonly BenchAccount[],
  targets: StoreTargets,
): Promise<void> {
  const writer = new TokenCache({
    store: await openFor(kind, targets),
    keys,
    storeKeyPrefix: prefixOf(targets),
    storeTimeoutMs: 10_000,
    maxBytes: 0,
  })
  await populate(writer, accounts)
  await writer.close()
}

const prefixOf = (targets: StoreTargets) => `idweb-bench:${targets.table}:`

/**
 * idweb over a shared store that {@link populateStore} filled. `l1`: an L1 with room for every
 * account, warmed from the store, change notices on: each hit checks the partition's stale flag
 * and its sliding expiry, with no store call. `none`: no L1 (`maxBytes: 0`), so each call reads,
 * opens and parses the partition from the store. `bounded`: an L1 of `boundBytes`, every account
 * in turn.
 */
export async function idwebOverStore(
  kind: 'redis' | 'postgres',
  accounts: readonly BenchAccount[],
  targets: StoreTargets,
  l1: 'l1' | 'none' | 'bounded',
  boundBytes = 64 * 1024 * 1024,
): Promise<StoreScenario> {
  const n = accounts.length
  const cache = new TokenCache({
    store: await openFor(kind, targets),
    keys,
    storeKeyPrefix: prefixOf(targets),
    storeTimeoutMs: 10_000,
    maxBytes: { l1: Number.POSITIVE_INFINITY, none: 0, bounded: boundBytes }[l1],
  })
  if (l1 === 'l1') {
    let next = 0
    const warm = async () => {
      while (next < n) await cache.partition(accounts[next++]!.homeAccountId)
    }
    await Promise.all(Array.from({ length: 64 }, warm))
  }
  let network = 0
  const acquirer = acquirerOn(cache, () => network++)
  const users = accounts.map(userOf)
  const one = users[n >> 1]!
  let i = 0
  const next = l1 === 'bounded' ? () => users[i++ % n]! : () => one
  const label = { l1: 'L1 over', none: 'no L1, on', bounded: `L1 of ${boundBytes >> 20} MiB over` }[
    l1
  ]
  return {
    name: `idweb, ${label} ${kind === 'redis' ? 'Redis' : 'PostgreSQL'}${l1 === 'bounded' ? ' (every account in turn)' : ''}`,
    accounts: n,
    async run() {
      return (await acquirer.getTokenForUser(SCOPES, next())).accessToken
    },
    networkCalls: () => network + cache.stats.storeErrors,
    memory: () => ({ bytes: cache.bytes, bound: l1 === 'bounded' ? boundBytes : Number.NaN }),
    close: () => cache.close(),
  }
}

/**
 * msal-node with a per-user partition on Redis, as Microsoft's distributed-cache samples do: a
 * `DistributedCachePlugin` over an ioredis client, the partition manager naming the signed-in
 * user's key. One application object serves every call (cheaper for msal-node than the samples'
 * application per request). Each call reads and deserializes the user's partition from Redis.
 */
export async function msalNodeDistributed(
  accounts: readonly BenchAccount[],
  targets: StoreTargets,
): Promise<StoreScenario> {
  const n = accounts.length
  const redis = new Redis(targets.redis)
  const prefix = `msal-bench:${targets.table}:`
  const now = Math.floor(Date.now() / 1000)
  for (let i = 0; i < n; i += 1000) {
    const batch = redis.pipeline()
    for (const a of accounts.slice(i, i + 1000)) {
      batch.set(prefix + a.homeAccountId, msalCacheJson([a], now), 'EX', 3600)
    }
    await batch.exec()
  }
  const target = accounts[n >> 1]!
  const client: ICacheClient = {
    get: async (key) => (await redis.get(key)) ?? '',
    set: async (key, value) => redis.set(key, value, 'EX', 3600),
  }
  const partitions: IPartitionManager = {
    getKey: async () => prefix + target.homeAccountId,
    extractKey: async (account) => prefix + account.homeAccountId,
  }
  const { app, networkCalls } = offlineMsalApp(
    { clientId: CLIENT, tenant: TENANT, environment: ENV },
    { cachePlugin: new DistributedCachePlugin(client, partitions) },
  )
  return {
    ...msalScenario(
      'msal-node, DistributedCachePlugin on Redis',
      n,
      app,
      msalAccountOf(target),
      networkCalls,
    ),
    async close() {
      await unlinkMatching(redis, `${prefix}*`)
      redis.disconnect()
    },
  }
}

/** Removes what a run left in the stores: its Redis keys and its PostgreSQL table. */
export async function cleanStores(targets: StoreTargets): Promise<void> {
  const redis = new Redis(targets.redis)
  await unlinkMatching(redis, `*${prefixOf(targets)}*`)
  redis.disconnect()
  const client = new pg.Client({ connectionString: targets.postgres })
  await client.connect()
  await client.query(`DROP TABLE IF EXISTS ${targets.table}`)
  await client
    .query('DELETE FROM idweb_schema WHERE component = $1', [targets.table])
    .catch(() => {})
  await client.end()
}
