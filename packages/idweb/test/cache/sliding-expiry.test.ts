// Sliding expiry: a store entry lives `storeTtlSeconds` after it was last written, and a partition
// used more than a tenth of that after its last write is written again in the background. Hits in
// between cost no store call at all.
import assert from 'node:assert/strict'
import { createCipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { cacheKeysFromSecrets } from '../../src/cache/key-ring.ts'
import { Sealer } from '../../src/cache/seal.ts'
import type { CacheStore } from '../../src/cache/store.ts'
import { storeKeyOf } from '../../src/cache/store-call.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { openStore } from '../../src/cache/stores/open-store.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { home, manualClock, newKey, userResponse } from './fixtures.ts'

const TTL = 1000 // seconds
const RENEW_MS = (TTL * 1000) / 10

/** A store that counts the calls made to it, and can be made to fail. */
function counted(inner: CacheStore) {
  const calls: string[] = []
  let failing = false
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      calls.push(name)
      if (failing) throw new Error('store down')
      return fn(...a)
    }
  const store: CacheStore = {
    get: wrap('get', (k: string) => inner.get(k)),
    set: wrap('set', (k: string, v: Uint8Array, t?: number) => inner.set(k, v, t)),
    delete: wrap('delete', (k: string) => inner.delete(k)),
    compareAndSet: wrap(
      'compareAndSet',
      (k: string, e: Uint8Array | undefined, n: Uint8Array, t?: number) =>
        inner.compareAndSet!(k, e, n, t),
    ),
  }
  return {
    store,
    calls,
    fail(on: boolean) {
      failing = on
    },
  }
}

/** Waits until `done()` holds, or `ms` have passed; the caller asserts afterwards. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
}

/** Lets background writes run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('sliding expiry over a store, without a store call per hit', () => {
  const keys = [newKey('k1')]

  async function setup() {
    const clock = manualClock()
    const backing = new MemoryStore({ clock: clock.now })
    const probe = counted(backing)
    const cache = new TokenCache({
      store: probe.store,
      keys,
      storeTtlSeconds: TTL,
      clock: clock.now,
    })
    const p = await cache.partition(home('u'))
    p.saveTokenResponse(userResponse('u'))
    assert.equal(await cache.flush(p), 'written')
    probe.calls.length = 0
    return { clock, backing, probe, cache }
  }

  it('hits within a tenth of the lifetime make no store call', async () => {
    const { clock, probe, cache } = await setup()
    for (let i = 0; i < 1000; i++) {
      await cache.partition(home('u'))
      clock.advance((RENEW_MS - 1) / 1000)
    }
    await settle()
    assert.deepEqual(probe.calls, [])
    assert.equal(cache.stats.renewals, 0)
  })

  it('a hit after a tenth of the lifetime writes the entry again once, which then outlives its first expiry', async () => {
    const { clock, backing, probe, cache } = await setup()
    clock.advance(RENEW_MS + 1)
    await Promise.all(Array.from({ length: 20 }, () => cache.partition(home('u'))))
    await settle()
    assert.deepEqual(probe.calls, ['compareAndSet'], 'one renewal for twenty concurrent hits')
    assert.equal(cache.stats.renewals, 1)
    clock.advance(TTL * 1000 - RENEW_MS) // past the first write's expiry
    assert.ok(
      (await backing.get(storeKeyOf('idweb:tc:', home('u')))) !== undefined,
      'renewed in the store',
    )
  })

  it('an account used at least once per lifetime never expires from the store, over 20 lifetimes', async () => {
    const { clock, backing, cache } = await setup()
    const other = () =>
      new TokenCache({ store: backing, keys, storeTtlSeconds: TTL, clock: clock.now })
    for (let i = 0; i < 200; i++) {
      // Used at uneven intervals, some close to a whole lifetime apart.
      clock.advance((i % 3 === 0 ? 0.89 : 0.05) * TTL * 1000)
      await cache.partition(home('u'))
      await settle()
      const fresh = await other().partition(home('u'))
      assert.ok(
        fresh.findRefreshToken({
          clientId: userResponse('u').clientId,
          environment: userResponse('u').environment,
        }),
        `alive at use ${i}`,
      )
    }
  })

  it('an unused entry still expires after its lifetime', async () => {
    const { clock, backing } = await setup()
    clock.advance(TTL * 1000 + 1)
    assert.equal(await backing.get(storeKeyOf('idweb:tc:', home('u'))), undefined)
  })

  it('another instance loading a recently written entry does not write it again; one loading an old entry does, once', async () => {
    const { clock, backing } = await setup()
    const instance = () => {
      const probe = counted(backing)
      return {
        probe,
        cache: new TokenCache({ store: probe.store, keys, storeTtlSeconds: TTL, clock: clock.now }),
      }
    }
    const b = instance()
    await b.cache.partition(home('u'))
    await settle()
    assert.deepEqual(b.probe.calls, ['get'])
    clock.advance(RENEW_MS + 1)
    const c = instance()
    await c.cache.partition(home('u'))
    await settle()
    assert.deepEqual(c.probe.calls, ['get', 'compareAndSet'])
    const d = instance()
    await d.cache.partition(home('u'))
    await settle()
    assert.deepEqual(d.probe.calls, ['get'], 'the renewal stamped the entry for every instance')
  })

  it('a renewal never brings back an account another instance signed out', async () => {
    const { clock, backing, cache } = await setup()
    const other = new TokenCache({ store: backing, keys, storeTtlSeconds: TTL, clock: clock.now })
    assert.equal(await other.remove(home('u')), true)
    clock.advance(RENEW_MS + 1)
    await cache.partition(home('u')) // still in this instance's memory: renewal tried
    await settle()
    assert.equal(await backing.get(storeKeyOf('idweb:tc:', home('u'))), undefined)
    assert.equal(cache.stats.renewals, 0)
  })

  it('a renewal that fails is tried again on a later hit', async () => {
    const { clock, probe, cache } = await setup()
    clock.advance(RENEW_MS + 1)
    probe.fail(true)
    await cache.partition(home('u'))
    await settle()
    assert.equal(cache.stats.renewals, 0)
    probe.fail(false)
    await cache.partition(home('u'))
    await settle()
    assert.equal(cache.stats.renewals, 1)
  })

  it('a partition with unsaved changes is written whole, not renewed over them', async () => {
    const { clock, backing, cache } = await setup()
    clock.advance(RENEW_MS + 1)
    const p = await cache.partition(home('u'))
    p.saveTokenResponse(userResponse('u', { accessToken: 'at-new', scopes: ['Files.Read'] }))
    assert.equal(await cache.flush(p), 'written')
    await settle()
    const fresh = await new TokenCache({ store: backing, keys, clock: clock.now }).partition(
      home('u'),
    )
    const q = {
      clientId: userResponse('u').clientId,
      environment: userResponse('u').environment,
      realm: userResponse('u').realm,
    }
    assert.equal(fresh.findAccessToken({ ...q, scopes: ['Files.Read'] })?.secret, 'at-new')
  })
})

describe('sealed-at stamp', () => {
  const key = newKey('k1')

  it('is in the authenticated header: altering it makes the entry unreadable', () => {
    const sealer = new Sealer([key])
    const blob = sealer.seal('p', 'x', 1_700_000_000_000)
    assert.equal(Sealer.sealedAtOf(blob), 1_700_000_000_000)
    const altered = Uint8Array.from(blob)
    altered[6 + key.id.length + 7]! ^= 1
    assert.notEqual(Sealer.sealedAtOf(altered), 1_700_000_000_000)
    assert.throws(() => sealer.open('p', altered), /IDW_CACHE_CORRUPT|cannot be opened/)
  })

  it('a version 1 entry (no stamp) still opens, and is written again as version 2 when used', async () => {
    // Version 1: "IDWC" | 1 | idLength | keyId | iv | ciphertext | tag, the header and partition key as AAD.
    const partitionKey = home('u')
    const head = Buffer.from([0x49, 0x44, 0x57, 0x43, 1, key.id.length, ...Buffer.from(key.id)])
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key.key, iv)
    cipher.setAAD(Buffer.concat([head, Buffer.from(partitionKey)]))
    const source = new TokenCache()
    const sp = await source.partition(partitionKey)
    sp.saveTokenResponse(userResponse('u'))
    const body = Buffer.concat([cipher.update(JSON.stringify(sp)), cipher.final()])
    const v1 = Buffer.concat([head, iv, body, cipher.getAuthTag()])
    assert.equal(Sealer.sealedAtOf(v1), undefined)

    const store = new MemoryStore()
    await store.set(storeKeyOf('idweb:tc:', partitionKey), v1)
    const cache = new TokenCache({ store, keys: [key] })
    const p = await cache.partition(partitionKey)
    assert.ok(
      p.findRefreshToken({
        clientId: userResponse('u').clientId,
        environment: userResponse('u').environment,
      }),
    )
    await settle()
    const now = await store.get(storeKeyOf('idweb:tc:', partitionKey))
    assert.equal(now?.[4], 2)
    assert.ok(Math.abs(Sealer.sealedAtOf(now!)! - Date.now()) < 5000)
  })
})

describe('sliding expiry on the real stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idweb-sliding-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const keys = cacheKeysFromSecrets(['a-cache-secret-for-the-sliding-expiry-tests-01'])
  const stores = [
    'redis://127.0.0.1:6379',
    'postgres://postgres@127.0.0.1:5432/test',
    'mysql://root@127.0.0.1:3306/test',
    `file:${join(dir, 'cache')}`,
  ]
  for (const url of stores) {
    it(`${url.split(':')[0]}: an entry used after a tenth of its lifetime outlives its first expiry`, async () => {
      const store = await openStore(url)
      // A generous store timeout: this test is about lifetimes, and a loaded machine can make one
      // store call slower than the 250 ms default, which would turn a write into a counted miss.
      const cache = new TokenCache({ store, keys, storeTtlSeconds: 2, storeTimeoutMs: 5000 })
      const user = `slide-${Math.random().toString(36).slice(2, 8)}`
      try {
        const p = await cache.partition(home(user))
        p.saveTokenResponse(userResponse(user))
        assert.equal(await cache.flush(p), 'written')
        const written = Date.now()
        await new Promise((resolve) => setTimeout(resolve, 1000))
        await cache.partition(home(user))
        await until(() => cache.stats.renewals > 0, 700)
        assert.equal(cache.stats.renewals, 1)
        // Past the first write's 2 s lifetime: still there, for another instance as well.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, written + 2300 - Date.now())),
        )
        const other = new TokenCache({ store: await openStore(url), keys, storeTimeoutMs: 5000 })
        const q = {
          clientId: userResponse(user).clientId,
          environment: userResponse(user).environment,
        }
        assert.ok((await other.partition(home(user))).findRefreshToken(q), 'renewed in the store')
        await other.close()
        // Unused for a whole lifetime: gone.
        await new Promise((resolve) => setTimeout(resolve, 2300))
        assert.equal(await store.get(storeKeyOf('idweb:tc:', home(user))), undefined)
      } finally {
        await cache.remove(home(user))
        await cache.close()
      }
    })
  }
})
