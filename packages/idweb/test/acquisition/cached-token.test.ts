// The synchronous cache hit behind `identity.getToken`: `TokenCache.partitionNow` and
// `TokenAcquirer.cachedTokenForUser` answer only what `partition` and `getTokenForUser` would
// answer from memory, and leave every other case (not held, idled out, about to expire, another
// tenant or scope, a claims challenge) to the awaited path, which reads the store and refreshes.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TokenAcquirer } from '../../src/acquisition/acquirer.ts'
import { createIdentity, type IdentityContext } from '../../src/adapters/shared/identity.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { CLIENT, ENV, home, manualClock, TENANT, userResponse } from '../cache/fixtures.ts'

function setup(ttlSeconds = 600) {
  const clock = manualClock()
  const cache = new TokenCache({ storeTtlSeconds: ttlSeconds, clock: clock.now })
  let providerCalls = 0
  const acquirer = new TokenAcquirer({
    cache,
    clientId: CLIENT,
    environment: ENV,
    authorityType: 'MSSTS',
    clock: clock.now,
    protocol: async () => {
      providerCalls++
      throw new Error('no provider in this test')
    },
  })
  const account = (user: string) => ({
    homeAccountId: home(user),
    realm: TENANT,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    sub: `sub-${user}`,
  })
  const signIn = async (user: string, expiresIn = 3600) => {
    const p = await cache.partition(home(user))
    p.saveTokenResponse(userResponse(user, { expiresIn }), clock.now())
  }
  return { clock, cache, acquirer, account, signIn, providerCalls: () => providerCalls }
}

describe('the synchronous cache hit', () => {
  it('partitionNow is the partition `partition` resolves, counted as the same memory hit', async () => {
    const { cache, signIn } = setup()
    assert.equal(cache.partitionNow(home('alice')), undefined, 'nothing held yet')
    await signIn('alice')
    const hits = cache.stats.l1Hits
    const now = cache.partitionNow(home('alice'))
    assert.ok(now)
    assert.equal(await cache.partition(home('alice')), now)
    assert.equal(cache.stats.l1Hits, hits + 2)
    assert.equal(cache.partitionNow(home('bob')), undefined)
  })

  it('a partition idle for the whole lifetime is not answered, and is gone for `partition` too', async () => {
    const { clock, cache, signIn } = setup(600)
    await signIn('alice')
    clock.advance(600_001)
    assert.equal(cache.partitionNow(home('alice')), undefined)
    assert.equal(cache.stats.evictions, 1)
    assert.equal((await cache.partition(home('alice'))).isEmpty, true)
  })

  it('cachedTokenForUser answers the cached token, and the same frozen answer as getTokenForUser', async () => {
    const { acquirer, account, signIn, providerCalls } = setup()
    await signIn('alice')
    const now = acquirer.cachedTokenForUser(['User.Read'], account('alice'))
    assert.equal(now?.accessToken, 'at-alice')
    assert.equal(await acquirer.getTokenForUser(['User.Read'], account('alice')), now)
    assert.ok(Object.isFrozen(now))
    assert.equal(providerCalls(), 0)
  })

  it('leaves the rest to the awaited path: other scopes, tenants and accounts, tokens about to expire', async () => {
    const { acquirer, account, signIn, providerCalls } = setup()
    await signIn('alice')
    await signIn('soon', 200) // inside the 300 s refresh window
    assert.equal(acquirer.cachedTokenForUser(['Files.Read'], account('alice')), undefined)
    assert.equal(
      acquirer.cachedTokenForUser(['User.Read'], { ...account('alice'), realm: 'other-tenant' }),
      undefined,
    )
    assert.equal(acquirer.cachedTokenForUser(['User.Read'], account('bob')), undefined)
    assert.equal(acquirer.cachedTokenForUser(['User.Read'], account('soon')), undefined)
    // A claims challenge or a forced refresh never takes the cached token.
    const claims = { claims: '{"access_token":{"acrs":{"essential":true}}}' }
    assert.equal(acquirer.cachedTokenForUser(['User.Read'], account('alice'), claims), undefined)
    const force = { forceRefresh: true }
    assert.equal(acquirer.cachedTokenForUser(['User.Read'], account('alice'), force), undefined)
    assert.equal(
      acquirer.cachedTokenForUser(['User.Read'], account('alice'), {})?.accessToken,
      'at-alice',
    )
    // The awaited path goes on to refresh the one about to expire: here, to the provider.
    await assert.rejects(acquirer.getTokenForUser(['User.Read'], account('soon')))
    assert.equal(providerCalls(), 1)
  })

  it('reads the partition named by partitionKey (the session token cache), not the account id', async () => {
    const { cache, acquirer, account, clock } = setup()
    const p = await cache.partition('session:s1')
    p.saveTokenResponse(userResponse('alice', { accessToken: 'at-session' }), clock.now())
    const inSession = { ...account('alice'), partitionKey: 'session:s1' }
    assert.equal(acquirer.cachedTokenForUser(['User.Read'], inSession)?.accessToken, 'at-session')
    assert.equal(acquirer.cachedTokenForUser(['User.Read'], account('alice')), undefined)
  })
})

describe('identity.getToken on the synchronous hit', () => {
  function identityOf(s: ReturnType<typeof setup>, user: string) {
    const context = {
      idweb: { acquirer: s.acquirer },
      downstream: () => {
        throw new Error('not in this test')
      },
      graphApiName: 'Graph',
    } as unknown as IdentityContext
    return createIdentity(context, {
      claims: { name: user },
      account: s.account(user),
    } as never)
  }

  it('answers a cached token, and skips the cache for a claims challenge or forceRefresh', async () => {
    const s = setup()
    await s.signIn('alice')
    const identity = identityOf(s, 'alice')
    assert.equal(await identity.getToken(['User.Read']), 'at-alice')
    assert.equal(s.providerCalls(), 0)
    await assert.rejects(identity.getToken(['User.Read'], { claims: '{"access_token":{}}' }))
    await assert.rejects(identity.getToken(['User.Read'], { forceRefresh: true }))
    assert.equal(s.providerCalls(), 2, 'both went to the provider')
  })

  it('fails by rejecting, never by throwing, whatever it is given', async () => {
    const s = setup()
    await s.signIn('alice')
    const identity = identityOf(s, 'alice')
    let answer: Promise<string> | undefined
    assert.doesNotThrow(() => {
      answer = identity.getToken(undefined as never)
    })
    await assert.rejects(answer as Promise<string>)
    const anonymous = createIdentity({ idweb: {} } as unknown as IdentityContext, undefined)
    await assert.rejects(anonymous.getToken(['User.Read']), { code: 'IDW_NOT_SIGNED_IN' })
  })
})
