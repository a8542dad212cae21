import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isIdwebError } from '../../src/errors.ts'
import { alice, bob, browserRequest, type Harness, startHarness } from '../web/harness.ts'

describe('one refresh serves every concurrent caller (dev IdP with strict refresh-token rotation)', () => {
  let h: Harness
  let now = Date.now()
  before(async () => {
    h = await startHarness({ idp: { rotateRefreshTokens: true }, deps: { clock: () => now } })
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
  })
  after(() => h.close())

  it('50 concurrent silent calls with an expired access token: exactly one refresh grant, all succeed', async () => {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    now += 2 * 3600 * 1000
    const before = h.idp.grantCount('refresh_token')
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => h.idweb.getTokenForUser(user, ['User.Read'])),
    )
    const failed = results.filter((r) => r.status === 'rejected')
    assert.deepEqual(failed, [], 'every caller gets a token')
    assert.equal(h.idp.grantCount('refresh_token') - before, 1, 'exactly one refresh grant')
    const tokens = new Set(
      results.map((r) => (r.status === 'fulfilled' ? r.value.accessToken : '')),
    )
    assert.equal(tokens.size, 1, 'all callers share the refreshed token')
    assert.equal(results.filter((r) => r.status === 'fulfilled' && !r.value.fromCache).length, 1)
  })

  it('the rotated refresh token is the one kept: the next expiry refreshes again without invalid_grant', async () => {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    now += 2 * 3600 * 1000
    const before = h.idp.grantCount('refresh_token')
    const token = await h.idweb.getTokenForUser(user, ['User.Read'])
    assert.equal(token.fromCache, false)
    assert.equal(h.idp.grantCount('refresh_token') - before, 1)
  })

  it('sign-out racing an in-flight refresh: the account stays removed', async () => {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    now += 2 * 3600 * 1000
    const refresh = h.idweb.getTokenForUser(user, ['User.Read'])
    const signOut = h.idweb.acquirer.removeAccount(user.account.homeAccountId)
    await Promise.allSettled([refresh, signOut])
    await assert.rejects(h.idweb.getTokenForUser(user, ['User.Read']), (e: unknown) =>
      isIdwebError(e, 'IDW_INTERACTION_REQUIRED'),
    )
    assert.equal((await h.idweb.cache.partition(user.account.homeAccountId)).isEmpty, true)
  })

  it('two users refreshing at once do not wait on each other or mix tokens', async () => {
    h.jar.clear()
    await h.signIn(alice)
    const aliceUser = (await h.idweb.authenticate(browserRequest(h))).user
    h.jar.clear()
    await h.signIn(bob)
    const bobUser = (await h.idweb.authenticate(browserRequest(h))).user
    assert.ok(aliceUser && bobUser)
    now += 2 * 3600 * 1000
    const [a, b] = await Promise.all([
      h.idweb.getTokenForUser(aliceUser, ['User.Read']),
      h.idweb.getTokenForUser(bobUser, ['User.Read']),
    ])
    const oid = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()).oid
    assert.equal(oid(a.accessToken), aliceUser.claims.oid)
    assert.equal(oid(b.accessToken), bobUser.claims.oid)
  })
})
