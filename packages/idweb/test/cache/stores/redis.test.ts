import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { tagged } from '../../../src/cache/stores/redis.ts'
import {
  connectRedisStore,
  parseRedisUrl,
  redacted,
} from '../../../src/cache/stores/redis-connect.ts'
import { isIdwebError } from '../../../src/errors.ts'
import { startRedis, startRedisCluster, startRedisSentinel } from '../../support/redis-servers.ts'
import { runStoreConformance } from '../store-conformance.ts'

// The shared server of the machine (and of CI): namespaced keys, never flushed or stopped.
const SHARED = process.env.IDWEB_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const ALL = { compareAndSet: true, lock: true, watch: true }

runStoreConformance('RedisStore (standalone, shared server)', () => connectRedisStore(SHARED), ALL)

describe('RedisStore on a private Cluster and behind a private Sentinel', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>
  let sentinel: Awaited<ReturnType<typeof startRedisSentinel>>
  before(async () => {
    cluster = await startRedisCluster()
    sentinel = await startRedisSentinel()
  })
  after(async () => {
    await cluster?.stop()
    await sentinel?.stop()
  })
  runStoreConformance('RedisStore (Cluster)', () => connectRedisStore(cluster.url), ALL)
  runStoreConformance('RedisStore (Sentinel)', () => connectRedisStore(sentinel.url), ALL)
})

describe('RedisStore connection', () => {
  it('asks the credentials callback again at every reconnect (a rotating token works)', async () => {
    let password = 'first-token-0123456789'
    const server = await startRedis([`requirepass ${password}`])
    let asked = 0
    try {
      const store = await connectRedisStore(server.url, {
        credentials: () => {
          asked++
          return { password }
        },
      })
      await store.set('idweb:test:a', Uint8Array.of(1))
      assert.equal(asked, 1)
      // The token rotates: the server takes only the new one, and drops every connection.
      password = 'second-token-0123456789'
      await server.cli('config', 'set', 'requirepass', password)
      await server.cli('-a', password, 'client', 'kill', 'type', 'normal').catch(() => '')
      let value: Uint8Array | undefined
      for (let i = 0; i < 50 && value === undefined; i++) {
        value = await store.get('idweb:test:a').catch(() => undefined)
        if (value === undefined) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      assert.deepEqual(value, Uint8Array.of(1), 'reconnected with the new token')
      assert.ok(asked >= 2, `asked ${asked} times`)
      await store.close()
    } finally {
      await server.stop()
    }
  })

  it('a Cluster that never becomes ready is a startup error within its bound, not a hang', async () => {
    // One node with cluster mode on and no slots: cluster_state:fail, so ioredis's ready check
    // fails and it reconnects without settling connect().
    const node = await startRedis([
      'cluster-enabled yes',
      'cluster-config-file nodes.conf',
      'cluster-node-timeout 2000',
    ])
    try {
      const started = Date.now()
      await assert.rejects(
        connectRedisStore(`redis+cluster://127.0.0.1:${node.port}`, { connectTimeoutMs: 500 }),
        (err: unknown) => isIdwebError(err, 'IDW_CONFIG_INVALID'),
      )
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
    } finally {
      await node.stop()
    }
  })

  it('an unreachable server is a startup error naming the setting and the URL, password redacted', async () => {
    await assert.rejects(
      connectRedisStore('redis://user:s3cret@127.0.0.1:1/0', { connectTimeoutMs: 500 }),
      (err: unknown) => {
        assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'))
        assert.match(err.message, /Idweb\.TokenCache\.Store/)
        assert.match(err.message, /redis:\/\/user:\*\*\*@127\.0\.0\.1:1/)
        assert.doesNotMatch(err.message, /s3cret/)
        return true
      },
    )
  })

  it('reads every URL form, and refuses malformed ones naming the setting', () => {
    assert.deepEqual(parseRedisUrl('redis://h:6380/2', 'S'), {
      kind: 'standalone',
      nodes: [{ host: 'h', port: 6380 }],
      db: 2,
      tls: false,
    })
    assert.equal(parseRedisUrl('rediss://u:p%40ss@h', 'S').password, 'p@ss')
    assert.equal(parseRedisUrl('rediss://u:p%40ss@h', 'S').tls, true)
    const s = parseRedisUrl('redis+sentinel://:pw@a:26379,b:26380/mymaster/1', 'S')
    assert.equal(s.kind, 'sentinel')
    assert.equal(s.master, 'mymaster')
    assert.equal(s.nodes.length, 2)
    assert.equal(s.db, 1)
    assert.equal(
      parseRedisUrl('redis+cluster://a:7000,b:7001,[::1]:7002', 'S').nodes[2]?.host,
      '::1',
    )
    for (const bad of [
      'http://h',
      'redis://',
      'redis://h:0',
      'redis://h:99999',
      'redis://h/x',
      'redis://a,b',
      'redis+sentinel://a:1',
      'redis+cluster://a:1/3',
    ]) {
      assert.throws(
        () => parseRedisUrl(bad, 'Idweb.TokenCache.Store'),
        (err: unknown) =>
          isIdwebError(err, 'IDW_CONFIG_INVALID') && /Idweb\.TokenCache\.Store/.test(err.message),
        bad,
      )
    }
    assert.equal(redacted('redis://:secret@h'), 'redis://:***@h')
    assert.equal(redacted('redis://secret@h'), 'redis://***@h')
  })

  it('tags the hashed partition so a partition’s keys share one Cluster slot', () => {
    assert.equal(tagged('idweb:tc:abc'), 'idweb:tc:{abc}')
    assert.equal(tagged('idweb:lock:abc'), 'idweb:lock:{abc}')
    assert.equal(tagged('plain'), '{plain}')
    assert.equal(tagged('a:{x}'), 'a:{x}')
  })
})
