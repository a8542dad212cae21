import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sealer } from '../../src/cache/seal.ts'
import { storeKeyOf } from '../../src/cache/store-call.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache, type TokenCacheOptions } from '../../src/cache/token-cache.ts'
import type { LogFields, Logger } from '../../src/logger.ts'
import { FaultyStore } from './faulty-store.ts'
import { CLIENT, ENV, home, newKey, TENANT, userResponse } from './fixtures.ts'

const query = { clientId: CLIENT, environment: ENV, realm: TENANT, scopes: ['User.Read'] }
const KEYS = [newKey('k1')]

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = []
  const at = (level: string) => (message: string, fields?: LogFields) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) })
  }
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
  return { logger, lines, text: () => JSON.stringify(lines) }
}

function cacheOn(store: TokenCacheOptions['store'], options: TokenCacheOptions = {}) {
  return new TokenCache({ store, keys: KEYS, ...options })
}

async function signIn(cache: TokenCache, user: string) {
  const p = await cache.partition(home(user))
  p.saveTokenResponse(userResponse(user))
  return { p, result: await cache.flush(p) }
}

describe('TokenCache: memory (L1)', () => {
  it('answers a silent call from memory without touching the store', async () => {
    const store = new FaultyStore()
    const cache = cacheOn(store)
    await signIn(cache, 'alice')
    const before = { ...store.calls }
    const p = await cache.partition(home('alice'))
    assert.equal(p.findAccessToken(query)?.secret, 'at-alice')
    assert.deepEqual(store.calls, before)
    assert.equal(cache.stats.l1Hits, 1)
    assert.equal(cache.stats.hits, 1)
    assert.equal(cache.peek(home('alice')), p)
  })

  it('evicts least recently used partitions by bytes, and reloads them from the store', async () => {
    const store = new MemoryStore()
    const probe = new TokenCache()
    const one = (await signIn(probe, 'x')).p.byteSize
    const cache = cacheOn(store, { maxBytes: one * 3.5 })
    for (const u of ['a', 'b', 'c']) await signIn(cache, u)
    await cache.partition(home('a')) // a is now the most recent; b the least
    await signIn(cache, 'd')
    assert.equal(cache.stats.evictions, 1)
    assert.equal(cache.peek(home('b')), undefined, 'b was least recently used')
    assert.ok(cache.peek(home('a')) && cache.peek(home('c')) && cache.peek(home('d')))
    assert.ok(cache.bytes <= one * 3.5)
    const b = await cache.partition(home('b'))
    assert.equal(b.findAccessToken(query)?.secret, 'at-b', 'reloaded from the store')
    assert.equal(cache.stats.storeHits, 1)
  })

  it('writes back an evicted partition that had unsaved changes', async () => {
    const store = new MemoryStore()
    const cache = cacheOn(store, { maxBytes: 1 })
    const a = await cache.partition(home('a'))
    a.saveTokenResponse(userResponse('a'))
    await cache.partition(home('b')) // evicts a, unflushed
    await new Promise((resolve) => setTimeout(resolve, 20))
    const other = cacheOn(store)
    assert.equal((await other.partition(home('a'))).findAccessToken(query)?.secret, 'at-a')
  })

  it('without a store: memory only, flush reports it, eviction forgets', async () => {
    const cache = new TokenCache({ maxBytes: 1 })
    const { result } = await signIn(cache, 'a')
    assert.equal(result, 'memory')
    await cache.partition(home('b'))
    assert.ok((await cache.partition(home('a'))).isEmpty)
  })

  it('loads a partition once for concurrent callers', async () => {
    const store = new FaultyStore()
    const cache = cacheOn(store)
    const [p1, p2, p3] = await Promise.all([1, 2, 3].map(() => cache.partition('k')))
    assert.equal(p1, p2)
    assert.equal(p2, p3)
    assert.equal(store.calls.get, 1)
  })
})

describe('TokenCache: sealed store entries', () => {
  it('stores only sealed blobs bound to the partition, under a hashed key', async () => {
    const store = new MemoryStore()
    const cache = cacheOn(store)
    await signIn(cache, 'alice')
    const blob = await store.get(storeKeyOf('idweb:tc:', home('alice')))
    assert.ok(blob)
    assert.equal(Buffer.from(blob).includes('at-alice'), false)
    assert.equal(Buffer.from(blob).includes('rt-alice'), false)
    assert.equal(Sealer.keyIdOf(blob), 'k1')
    assert.equal(await store.get(home('alice')), undefined)
  })

  for (const [name, damage] of [
    [
      'a flipped byte',
      (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === b.length - 20 ? x ^ 1 : x)),
    ],
    ['truncation', (b: Uint8Array) => b.subarray(0, b.length - 5)],
    ['plaintext JSON', () => new Uint8Array(Buffer.from('{"AccessToken":{}}'))],
  ] as const) {
    it(`treats ${name} as a miss: entry deleted, logged redacted, nothing served`, async () => {
      const store = new MemoryStore()
      await signIn(cacheOn(store), 'alice')
      const key = storeKeyOf('idweb:tc:', home('alice'))
      await store.set(key, damage((await store.get(key))!))
      const log = recordingLogger()
      const cache = cacheOn(store, { logger: log.logger })
      const p = await cache.partition(home('alice'))
      assert.ok(p.isEmpty)
      assert.equal(await store.get(key), undefined, 'deleted')
      assert.equal(cache.stats.corruptEntries, 1)
      assert.match(log.text(), /cannot be opened/)
      assert.equal(log.text().includes(home('alice')), false, 'account id redacted')
    })
  }

  it('never serves a blob copied under another account', async () => {
    const store = new MemoryStore()
    await signIn(cacheOn(store), 'alice')
    const aliceBlob = (await store.get(storeKeyOf('idweb:tc:', home('alice'))))!
    const mallory = storeKeyOf('idweb:tc:', home('mallory'))
    await store.set(mallory, aliceBlob)
    const cache = cacheOn(store)
    const p = await cache.partition(home('mallory'))
    assert.ok(p.isEmpty)
    assert.equal(await store.get(mallory), undefined)
  })

  it('treats a blob sealed with a key no longer in the ring as a miss', async () => {
    const store = new MemoryStore()
    await signIn(new TokenCache({ store, keys: [newKey('retired')] }), 'alice')
    const p = await cacheOn(store).partition(home('alice'))
    assert.ok(p.isEmpty)
  })

  it('rotates keys: old entries still open, new writes use the new key', async () => {
    const store = new MemoryStore()
    const old = newKey('old')
    await signIn(new TokenCache({ store, keys: [old] }), 'alice')
    const rotated = new TokenCache({ store, keys: [newKey('new'), old] })
    const p = await rotated.partition(home('alice'))
    assert.equal(p.findAccessToken(query)?.secret, 'at-alice')
    p.saveTokenResponse(userResponse('alice', { accessToken: 'at-2' }))
    assert.equal(await rotated.flush(p), 'written')
    assert.equal(Sealer.keyIdOf((await store.get(storeKeyOf('idweb:tc:', home('alice'))))!), 'new')
  })

  it('refuses a store without a key ring', () => {
    assert.throws(() => new TokenCache({ store: new MemoryStore() }), { key: 'cache.keys' })
  })
})

describe('TokenCache: store faults', () => {
  for (const fault of ['reject', 'hang'] as const) {
    it(`a store that fails (${fault}) is a miss within the timeout, never a thrown error`, async () => {
      const store = new FaultyStore()
      const log = recordingLogger()
      let now = Date.now()
      const cache = cacheOn(store, { storeTimeoutMs: 50, logger: log.logger, clock: () => now })
      await signIn(cacheOn(store), 'alice')
      store.fault = fault
      const started = Date.now()
      const p = await cache.partition(home('alice'))
      assert.ok(p.isEmpty)
      p.saveTokenResponse(userResponse('alice', { accessToken: 'new' }))
      assert.equal(await cache.flush(p), 'failed')
      assert.equal(p.hasStateChanged, true, 'still to be written')
      assert.equal(await cache.remove(home('bob')), false)
      assert.ok(Date.now() - started < 1000)
      assert.equal(cache.stats.storeErrors, 3)
      assert.match(log.text(), fault === 'hang' ? /"timeout"/ : /ECONNREFUSED/)
      // Three failures in a row open the breaker: the store is not called, so nothing waits.
      const getsBefore = store.calls.get ?? 0
      assert.equal((await cache.partition(home('carol'))).isEmpty, true)
      assert.equal(store.calls.get ?? 0, getsBefore, 'no store call, so no timeout waited out')
      assert.equal(cache.stats.storeErrors, 3)
      assert.equal(cache.stats.storeSkipped, 1)
      assert.match(log.text(), /keeps failing; not calling it for a while/)
      store.fault = 'none'
      assert.equal(await cache.flush(p), 'failed', 'still skipped while the breaker is open')
      now += 1001 // its first cooldown passed: the next call probes the store
      assert.equal(await cache.flush(p), 'written', 'merged with what the store holds')
      assert.match(log.text(), /answers again/)
      const fresh = await cacheOn(store).partition(home('alice'))
      assert.equal(fresh.findAccessToken(query)?.secret, 'new')
      assert.equal(
        fresh.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret,
        'rt-alice',
      )
    })
  }
})

describe('TokenCache: concurrent writers', () => {
  it('two instances on one store lose no update (compare-and-set, merge, retry)', async () => {
    const store = new FaultyStore()
    const a = cacheOn(store)
    const b = cacheOn(store)
    await signIn(a, 'alice')
    const pa = await a.partition(home('alice'))
    const pb = await b.partition(home('alice'))
    pa.saveTokenResponse(userResponse('alice', { scopes: ['Files.Read'], accessToken: 'files' }))
    pb.saveTokenResponse(userResponse('alice', { scopes: ['Calendars.Read'], accessToken: 'cal' }))
    assert.deepEqual(await Promise.all([a.flush(pa), b.flush(pb)]), ['written', 'written'])
    assert.ok(a.stats.casConflicts + b.stats.casConflicts >= 1)
    const c = await cacheOn(store).partition(home('alice'))
    for (const [scope, secret] of [
      ['Files.Read', 'files'],
      ['Calendars.Read', 'cal'],
      ['Mail.Read', 'at-alice'],
    ]) {
      assert.equal(c.findAccessToken({ ...query, scopes: [scope!] })?.secret, secret)
    }
  })

  it('the newer refresh token wins whichever instance writes last', async () => {
    let now = Date.UTC(2025, 0, 1)
    const clock = () => now
    const store = new MemoryStore()
    const a = cacheOn(store, { clock })
    const b = cacheOn(store, { clock })
    await signIn(a, 'alice')
    const pa = await a.partition(home('alice'))
    const pb = await b.partition(home('alice'))
    now += 1000
    pa.saveTokenResponse(userResponse('alice', { refreshToken: 'rt-newer' }))
    now -= 500
    pb.saveTokenResponse(userResponse('alice', { refreshToken: 'rt-older', scopes: ['X'] }))
    assert.equal(await a.flush(pa), 'written')
    assert.equal(await b.flush(pb), 'written')
    const c = await cacheOn(store).partition(home('alice'))
    assert.equal(c.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, 'rt-newer')
  })
})

describe('TokenCache: removal (sign-out)', () => {
  it('removes from memory and store, including the last partition', async () => {
    const store = new MemoryStore()
    const cache = cacheOn(store)
    const { p } = await signIn(cache, 'alice')
    assert.equal(await cache.remove(home('alice')), true)
    assert.equal(store.size, 0)
    assert.equal(cache.size, 0)
    assert.equal(p.findAccessToken(query), undefined, 'a held reference is emptied too')
    assert.ok((await cache.partition(home('alice'))).isEmpty)
  })

  it('a late flush of a partition loaded before the removal does not resurrect it', async () => {
    const store = new MemoryStore()
    const cache = cacheOn(store)
    await signIn(cache, 'alice')
    const stale = await cache.partition(home('alice'))
    await cache.remove(home('alice'))
    stale.saveTokenResponse(userResponse('alice', { accessToken: 'refreshed-too-late' }))
    assert.equal(await cache.flush(stale), 'removed')
    assert.equal(store.size, 0)
    const { result } = await signIn(cache, 'alice')
    assert.equal(result, 'written', 'a new sign-in after the removal is stored')
  })

  it('a write in flight when the removal starts is deleted after it lands', async () => {
    const store = new FaultyStore(new MemoryStore(), { cas: false })
    store.writeDelayMs = 50
    const cache = cacheOn(store)
    const p = await cache.partition(home('alice'))
    p.saveTokenResponse(userResponse('alice'))
    const writing = cache.flush(p)
    await new Promise((resolve) => setTimeout(resolve, 10))
    await cache.remove(home('alice'))
    await writing
    assert.equal(store.inner.size, 0)
    assert.ok((await cacheOn(store).partition(home('alice'))).isEmpty)
  })
})

describe('TokenCache: isolation', () => {
  it('1,000 users interleaved: every lookup answers its own user only', async () => {
    const store = new MemoryStore()
    const cache = cacheOn(store, { maxBytes: 400 * 1024 })
    const users = Array.from({ length: 1000 }, (_, i) => `user${i}`)
    await Promise.all(users.map((u) => signIn(cache, u)))
    assert.ok(cache.stats.evictions > 0, 'some partitions went through the store')
    let hits = 0
    await Promise.all(
      users.map(async (u, i) => {
        const p = await cache.partition(home(u))
        const other = users[(i + 1) % users.length]!
        assert.equal(p.findAccessToken(query)?.secret, `at-${u}`)
        assert.equal(p.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, `rt-${u}`)
        assert.equal(p.account()?.home_account_id, home(u))
        assert.equal(JSON.stringify(p).includes(`-${other}"`), false)
        hits++
      }),
    )
    assert.equal(hits, 1000)
  })
})

describe('TokenCache without memory (maxBytes 0)', () => {
  it('keeps nothing in process: every call reads the store, and sees another writer at once', async () => {
    const store = new MemoryStore()
    const writer = new TokenCache({ store, keys: KEYS })
    const reader = new TokenCache({ store, keys: KEYS, maxBytes: 0 })
    const p = await writer.partition(home('u'))
    p.saveTokenResponse(userResponse('u'))
    await writer.flush(p)
    assert.equal((await reader.partition(home('u'))).findAccessToken(query)?.secret, 'at-u')
    p.saveTokenResponse(userResponse('u', { accessToken: 'at-u-2' }))
    await writer.flush(p)
    assert.equal((await reader.partition(home('u'))).findAccessToken(query)?.secret, 'at-u-2')
    assert.equal(reader.size, 0)
    assert.equal(reader.stats.storeHits, 2)
  })

  it('is refused without a store, which would keep nothing anywhere', () => {
    assert.throws(() => new TokenCache({ maxBytes: 0 }), /cache\.maxBytes/)
  })
})
