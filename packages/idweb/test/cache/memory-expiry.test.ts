// Sliding expiry without a store: the cache is then the only copy, so a partition nobody used for
// the cache's lifetime is dropped from memory, and one in use keeps living.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { home, manualClock, userResponse } from './fixtures.ts'

const TTL_SECONDS = 600
const q = { clientId: userResponse('u').clientId, environment: userResponse('u').environment }

describe('a memory-only cache expires idle partitions', () => {
  async function cacheWith(users: string[]) {
    const clock = manualClock()
    const cache = new TokenCache({ storeTtlSeconds: TTL_SECONDS, clock: clock.now })
    for (const user of users)
      (await cache.partition(home(user))).saveTokenResponse(userResponse(user))
    return { clock, cache }
  }

  it('a partition used within each lifetime lives on, however long', async () => {
    const { clock, cache } = await cacheWith(['u'])
    for (let i = 0; i < 10; i++) {
      clock.advance(TTL_SECONDS * 1000 - 1)
      assert.ok((await cache.partition(home('u'))).findRefreshToken(q), `round ${i}`)
    }
    assert.equal(cache.stats.evictions, 0)
  })

  it('one unused for a whole lifetime is gone: a miss, counted, and its memory given back', async () => {
    const { clock, cache } = await cacheWith(['u', 'v'])
    const before = cache.bytes
    clock.advance((TTL_SECONDS * 1000) / 2)
    await cache.partition(home('v')) // v is used, u is not
    clock.advance((TTL_SECONDS * 1000) / 2 + 1)
    const u = await cache.partition(home('u'))
    assert.equal(u.findRefreshToken(q), undefined)
    assert.equal(cache.stats.evictions, 1)
    assert.ok(cache.bytes < before)
    const v = await cache.partition(home('v'))
    assert.ok(
      v.findRefreshToken({
        clientId: userResponse('v').clientId,
        environment: userResponse('v').environment,
      }),
    )
  })
})
