import { randomUUID } from 'node:crypto'
import type { Cluster, Redis } from 'ioredis'
import type { CacheStore, StoreWatcher } from '../store.ts'
import { releaseOrphanedLock } from './orphan-locks.ts'

/** The ioredis client a {@link RedisStore} runs on: standalone, Sentinel-managed or Cluster. */
export type RedisClient = Redis | Cluster

/** Options of a {@link RedisStore}. */
export interface RedisStoreOptions {
  /** Channel the store announces changed keys on, for other instances' in-process caches. */
  channel?: string
  /** How often a waiting `lock` call retries, in ms. Default 10. */
  lockPollMs?: number
}

// One round trip each: compare and write, or release only the holder's own lock. PUBLISH tells
// the other instances which key changed.
const CAS = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if current then return 0 end
elseif (not current) or current ~= ARGV[2] then
  return 0
end
if ARGV[4] == '' then redis.call('SET', KEYS[1], ARGV[3]) else redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[6] .. '|' .. KEYS[1]) end
return 1`
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

interface Scripts {
  idwebCas(
    key: string,
    expectPresent: string,
    expected: Buffer,
    next: Buffer,
    ttlMs: string,
    channel: string,
    origin: string,
  ): Promise<number>
  idwebRelease(key: string, token: string): Promise<number>
}

/**
 * A {@link CacheStore} on Redis (or Valkey) through ioredis: standalone, Sentinel or Cluster.
 * Values are raw bytes; TTLs are Redis expiries; compare-and-set is one Lua script; a lock is
 * `SET NX PX` with a random token, released only by its holder (so a lock that expired and was
 * taken again stays taken), and it frees itself after its TTL when the holder dies.
 *
 * Keys keep the core's names, with their last `:`-segment (the hashed partition) as a Cluster
 * hash tag: `idweb:tc:{h}` and `idweb:lock:{h}` of one partition live on one slot. Every write
 * and delete is announced on `channel` (default `idweb:changed`), so instances can drop what they
 * hold of that key.
 *
 * The client is the caller's (reconnects, TLS, timeouts are ioredis options); `close` quits it.
 * {@link connectRedisStore} builds one from a URL.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis'
 * const store = new RedisStore(new Redis('redis://127.0.0.1:6379'))
 * const cache = new TokenCache({ store, keys: [{ id: 'k1', key: randomBytes(32) }] })
 * ```
 */
export class RedisStore implements CacheStore {
  /** The ioredis client (or cluster) the store uses. */
  readonly client: RedisClient
  /** The pub/sub channel changed keys are announced on, so other instances drop their copies. */
  readonly channel: string
  readonly #pollMs: number
  readonly #scripts: Scripts
  /** Names this store object in its change notices, so it can ignore its own. */
  readonly #origin = randomUUID()

  constructor(client: RedisClient, options: RedisStoreOptions = {}) {
    this.client = client
    this.channel = options.channel ?? 'idweb:changed'
    this.#pollMs = options.lockPollMs ?? 10
    client.defineCommand('idwebCas', { numberOfKeys: 1, lua: CAS })
    client.defineCommand('idwebRelease', { numberOfKeys: 1, lua: RELEASE })
    this.#scripts = client as unknown as Scripts
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = await this.client.getBuffer(tagged(key))
    return value === null ? undefined : new Uint8Array(value)
  }

  async set(key: string, value: Uint8Array, ttlSeconds?: number): Promise<void> {
    const k = tagged(key)
    const bytes = Buffer.from(value)
    const ttl = ttlMs(ttlSeconds)
    const multi = this.client.multi()
    if (ttl === undefined) multi.set(k, bytes)
    else multi.set(k, bytes, 'PX', ttl)
    multi.publish(this.channel, `${this.#origin}|${k}`)
    await multi.exec()
  }

  async delete(key: string): Promise<void> {
    const k = tagged(key)
    await this.client.multi().del(k).publish(this.channel, `${this.#origin}|${k}`).exec()
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array | undefined,
    next: Uint8Array,
    ttlSeconds?: number,
  ): Promise<boolean> {
    const ttl = ttlMs(ttlSeconds)
    const written = await this.#scripts.idwebCas(
      tagged(key),
      expected === undefined ? '0' : '1',
      Buffer.from(expected ?? []),
      Buffer.from(next),
      ttl === undefined ? '' : String(ttl),
      this.channel,
      this.#origin,
    )
    return written === 1
  }

  /**
   * Subscribes to the change channel on a connection of its own (Redis pub/sub, which Cluster
   * broadcasts to every node). Own writes are filtered out. A dropped subscription, and every
   * resubscription after one, is a `gap`: notices sent meanwhile are lost.
   */
  async watch(watcher: StoreWatcher): Promise<() => Promise<void>> {
    // Resubscribed here rather than by ioredis, so a resubscription that fails is handled.
    const subscriber = (this.client as Redis).duplicate({ autoResubscribe: false })
    subscriber.on('error', () => {})
    let subscribed = false
    subscriber.on('message', (_channel: string, message: string) => {
      const bar = message.indexOf('|')
      if (bar === -1 || message.slice(0, bar) === this.#origin) return
      watcher.changed(untagged(message.slice(bar + 1)))
    })
    subscriber.on('close', () => {
      if (subscribed) watcher.gap()
    })
    subscriber.on('ready', () => {
      if (!subscribed) return
      // Resubscribed after a drop: what was sent meanwhile is lost, so everything is read again,
      // once the subscription is back. Read before it, a write landing in between goes unseen.
      subscriber.subscribe(this.channel).then(
        () => watcher.gap(true),
        () => {
          watcher.gap()
          subscriber.disconnect(true)
        },
      )
    })
    try {
      if (subscriber.status === 'wait') await subscriber.connect()
      await subscriber.subscribe(this.channel)
    } catch (err) {
      subscriber.disconnect()
      throw err
    }
    subscribed = true
    // The commands' own connection coming back after a drop is news too: until it is back, reads
    // fail and may open the cache's breaker, which must not then stay open because the
    // subscription happened to return first.
    const client = this.client as Redis
    const commandsBack = () => {
      if (subscribed) watcher.gap(true)
    }
    client.on('ready', commandsBack)
    return async () => {
      subscribed = false
      client.off('ready', commandsBack)
      subscriber.disconnect()
    }
  }

  async lock(
    key: string,
    ttlMs: number,
    waitMs: number,
  ): Promise<(() => Promise<void>) | undefined> {
    const k = tagged(key)
    const token = randomUUID()
    const release = async () => {
      await this.#scripts.idwebRelease(k, token)
    }
    const deadline = Date.now() + waitMs
    for (;;) {
      const px = Math.max(1, Math.ceil(ttlMs))
      const taken = await this.client.set(k, token, 'PX', px, 'NX').catch((err: unknown) => {
        releaseOrphanedLock(release, px)
        throw err
      })
      if (taken === 'OK') return release
      if (Date.now() >= deadline) return undefined
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs))
    }
  }

  /** Quits politely (within a second), then disconnects, which also stops any reconnecting. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise((resolve) => {
      timer = setTimeout(resolve, 1000)
    })
    await Promise.race([this.client.quit().catch(() => {}), waited])
    clearTimeout(timer)
    this.client.disconnect()
  }
}

/** `prefix:{hash}`: the last segment becomes the Cluster hash tag (braces inside are dropped). */
export function tagged(key: string): string {
  const cut = key.lastIndexOf(':')
  const head = cut === -1 ? '' : key.slice(0, cut + 1)
  const tail = (cut === -1 ? key : key.slice(cut + 1)).replace(/[{}]/g, '')
  return `${head}{${tail}}`
}

/** The core's key back from its {@link tagged} form. */
export function untagged(key: string): string {
  return key.replace(/\{([^{}]*)\}$/, '$1')
}

function ttlMs(seconds: number | undefined): number | undefined {
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined
  return Math.max(1, Math.ceil(seconds * 1000))
}
