// A store whose change channel comes back after an outage: the cache reads it at once, rather
// than serving what it held until a breaker, opened by the outage, times out. The store and its
// channel are a double (a FaultyStore and a watcher this test drives), because the order of a
// reconnect and a write is what is under test, and a real server gives it only by chance.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cacheKeysFromSecrets } from '../../src/cache/key-ring.ts'
import type { CacheStore, StoreWatcher } from '../../src/cache/store.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { FaultyStore } from './faulty-store.ts'
import { CLIENT, ENV, home, TENANT, userResponse } from './fixtures.ts'

const keys = cacheKeysFromSecrets(['a-cache-secret-for-the-reconnect-tests-00000001'])
const query = { clientId: CLIENT, environment: ENV, realm: TENANT, scopes: ['User.Read'] }

class WatchedStore extends FaultyStore {
  watcher: StoreWatcher | undefined
  watch: NonNullable<CacheStore['watch']> = async (watcher) => {
    this.watcher = watcher
    return async () => {}
  }
}

describe('the change channel back after an outage', () => {
  it('the next read goes to the store, though the outage opened the breaker', async () => {
    const store = new WatchedStore()
    const cache = new TokenCache({ store, keys })
    const other = new TokenCache({ store: store.inner, keys })
    const user = home('reconnect')
    const write = async (c: TokenCache, secret: string) => {
      const p = await c.partition(user)
      p.saveTokenResponse(userResponse('reconnect', { accessToken: secret }))
      await c.flush(p)
    }
    await write(cache, 'at-before')
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(store.watcher, 'the cache listens for changes')

    // The outage: the channel drops, reads fail until the breaker stops calling the store.
    store.fault = 'reject'
    store.watcher.gap()
    for (let i = 0; i < 5; i++) await cache.partition(user)
    const calls = store.calls.get ?? 0
    await cache.partition(user)
    assert.equal(store.calls.get ?? 0, calls, 'the breaker is open: the store is not called')

    // Back, and written to meanwhile by another instance; then the channel reconnects.
    store.fault = 'none'
    await write(other, 'at-after')
    store.watcher.gap(true)
    const p = await cache.partition(user)
    assert.equal(p.findAccessToken(query)?.secret, 'at-after')
    await cache.close()
  })
})
