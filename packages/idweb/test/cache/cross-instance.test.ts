// Two token caches, each with its own connection to one real shared store, stand for two
// instances of an app: what one changes, the other must not keep serving from memory.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { cacheKeysFromSecrets } from '../../src/cache/key-ring.ts'
import { openStore } from '../../src/cache/stores/open-store.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { startRedis } from '../support/redis-servers.ts'
import { CLIENT, ENV, home, TENANT, userResponse } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'idweb-cross-instance-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const STORES = [
  'redis://127.0.0.1:6379',
  'postgres://postgres@127.0.0.1:5432/test',
  'mysql://root@127.0.0.1:3306/test',
  `file:${join(dir, 'cache')}`,
]
const keys = cacheKeysFromSecrets(['a-cache-secret-for-the-cross-instance-tests-01'])
const query = { clientId: CLIENT, environment: ENV, realm: TENANT, scopes: ['User.Read'] }
const run = Math.random().toString(36).slice(2, 8)

const opened: TokenCache[] = []
after(async () => {
  for (const cache of opened) await cache.close().catch(() => {})
})

async function instance(
  url: string,
  maxBytes?: number,
  storeTimeoutMs = 2000,
): Promise<TokenCache> {
  const cache = new TokenCache({
    store: await openStore(url),
    keys,
    storeTimeoutMs,
    ...(maxBytes ? { maxBytes } : {}),
  })
  opened.push(cache)
  return cache
}

/**
 * Polls `read` until it satisfies `ok`, for at most `ms` (a change notice can be slow on a loaded
 * machine); resolves the last value read.
 */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms
  let value = await read()
  while (!ok(value) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    value = await read()
  }
  return value
}

const secretOf = async (cache: TokenCache, user: string) =>
  (await cache.partition(home(user))).findAccessToken(query)?.secret

for (const url of STORES) {
  const kind = url.split(':')[0]
  describe(`two instances on ${kind}: memory never outlives another instance's change`, () => {
    it('a refresh on one instance replaces what the other holds in memory', async () => {
      const [a, b] = [await instance(url), await instance(url)]
      const user = `refresh-${run}-${kind}`
      const pa = await a.partition(home(user))
      pa.saveTokenResponse(
        userResponse(user, { accessToken: 'at-first', refreshToken: 'rt-first' }),
      )
      assert.equal(await a.flush(pa), 'written')
      assert.equal(await secretOf(b, user), 'at-first', 'b holds it in memory now')
      pa.saveTokenResponse(
        userResponse(user, { accessToken: 'at-second', refreshToken: 'rt-second' }),
      )
      assert.equal(await a.flush(pa), 'written')
      const seen = await eventually(
        () => secretOf(b, user),
        (s) => s === 'at-second',
      )
      assert.equal(seen, 'at-second', 'b serves the refreshed token, not its memory')
      const pb = await b.partition(home(user))
      assert.equal(pb.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, 'rt-second')
      await a.remove(home(user))
    })

    it('the synchronous hit never answers from a partition another instance changed', async () => {
      const [a, b] = [await instance(url), await instance(url)]
      const user = `now-${run}-${kind}`
      const now = () => b.partitionNow(home(user))?.findAccessToken(query)?.secret
      // An awaited read, then the synchronous one: a change notice that arrives late (for the
      // write just read) may flag the partition again in between, so this settles in a loop.
      const afterRead = async () => ((await secretOf(b, user)) === undefined ? 'none' : now())
      const pa = await a.partition(home(user))
      pa.saveTokenResponse(userResponse(user, { accessToken: 'at-first' }))
      assert.equal(await a.flush(pa), 'written')
      assert.equal(await eventually(afterRead, (s) => s === 'at-first'), 'at-first')
      pa.saveTokenResponse(userResponse(user, { accessToken: 'at-second' }))
      assert.equal(await a.flush(pa), 'written')
      // Once the change notice arrives, memory is not answered synchronously until read again.
      const flagged = await eventually(
        async () => now(),
        (s) => s !== 'at-first',
      )
      assert.notEqual(flagged, 'at-first', "b's synchronous read stops serving at-first")
      assert.equal(await secretOf(b, user), 'at-second')
      assert.equal(await eventually(afterRead, (s) => s === 'at-second'), 'at-second')
      await a.remove(home(user))
    })

    it('a sign-out on one instance empties what the other holds, the last account included', async () => {
      const [a, b] = [await instance(url), await instance(url)]
      const user = `signout-${run}-${kind}`
      const pa = await a.partition(home(user))
      pa.saveTokenResponse(userResponse(user))
      assert.equal(await a.flush(pa), 'written')
      assert.equal(await secretOf(b, user), `at-${user}`)
      assert.equal(await a.remove(home(user)), true)
      const after = await eventually(
        () => b.partition(home(user)),
        (p) => p.isEmpty,
      )
      assert.equal(after.isEmpty, true, 'b no longer has the account')
      assert.equal(after.account(), undefined)
    })

    it('1,000 users interleaved across the two instances: every read answers its own user only', async () => {
      // A thousand concurrent writes (each an fsync for the file store) can be slow on a busy
      // machine; this test is about isolation, so it waits for the store rather than miss.
      const [a, b] = [
        await instance(url, 300 * 1024, 15_000),
        await instance(url, 300 * 1024, 15_000),
      ]
      const users = Array.from({ length: 1000 }, (_, i) => `u${i}-${run}-${kind}`)
      await Promise.all(
        users.map(async (u, i) => {
          const writer = i % 2 === 0 ? a : b
          const p = await writer.partition(home(u))
          p.saveTokenResponse(userResponse(u))
          // 'clean': evicted meanwhile, and written back by the eviction.
          assert.match(await writer.flush(p), /^(written|clean)$/)
        }),
      )
      let hits = 0
      await Promise.all(
        users.map(async (u, i) => {
          const reader = i % 2 === 0 ? b : a
          const p = await reader.partition(home(u))
          assert.equal(p.findAccessToken(query)?.secret, `at-${u}`)
          assert.equal(p.account()?.home_account_id, home(u))
          hits++
        }),
      )
      assert.equal(hits, 1000, 'zero cross-user hits, zero misses')
      for (const u of users) await a.remove(home(u))
    })
  })
}

describe('a lost change channel: every partition in memory is read again', () => {
  it('after the store restarts, an instance serves what was written meanwhile', async () => {
    const server = await startRedis()
    try {
      const [a, b] = [await instance(server.url), await instance(server.url)]
      const user = `gap-${run}`
      const pa = await a.partition(home(user))
      pa.saveTokenResponse(userResponse(user, { accessToken: 'at-before' }))
      assert.equal(await a.flush(pa), 'written')
      assert.equal(await secretOf(b, user), 'at-before')
      // b's change channel is up before the store goes: b hears a change it holds in memory. (On
      // a loaded machine its subscription may still be starting; a kill then fails it for good.)
      pa.saveTokenResponse(userResponse(user, { accessToken: 'at-heard' }))
      assert.equal(await a.flush(pa), 'written')
      assert.equal(
        await eventually(
          () => secretOf(b, user),
          (s) => s === 'at-heard',
        ),
        'at-heard',
        'b listens to the change channel',
      )
      await server.kill()
      await server.restart()
      // Written by a third instance while b's subscription was down: no notice reaches b.
      const c = await instance(server.url)
      const pc = await c.partition(home(user))
      pc.saveTokenResponse(userResponse(user, { accessToken: 'at-after' }))
      assert.equal(await c.flush(pc), 'written')
      const seen = await eventually(
        () => secretOf(b, user),
        (s) => s === 'at-after',
        10_000, // b's client reconnects with backoff (up to 2 s a try) before it reads again
      )
      assert.equal(seen, 'at-after')
    } finally {
      // Closed before the server goes, so no command is left waiting on a dead server.
      for (const cache of opened.splice(0)) await cache.close().catch(() => {})
      await server.stop()
    }
  })
})
