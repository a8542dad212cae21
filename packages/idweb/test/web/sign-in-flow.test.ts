import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { InteractionRequiredError, isIdwebError } from '../../src/errors.ts'
import {
  APP,
  alice,
  browserRequest,
  carol,
  demo,
  type Harness,
  sessionCookie,
  startHarness,
} from './harness.ts'

const todoScope = demo.apps.todoApi.scope

describe('sign-in, silent acquisition, incremental consent and sign-out against the dev IdP', () => {
  let h: Harness
  let now = Date.now()
  before(async () => {
    h = await startHarness({ deps: { clock: () => now } })
  })
  after(() => h.close())

  it('sends the browser to the provider with PKCE S256, state, nonce and form_post', async () => {
    const res = await h.app('/signin?returnTo=/todos')
    assert.equal(res.status, 302)
    const url = new URL(res.headers.get('location') ?? '')
    assert.equal(
      url.origin + url.pathname,
      `${h.idp.authority(demo.tenants.contoso.id)}/oauth2/v2.0/authorize`,
    )
    const p = url.searchParams
    assert.equal(p.get('response_type'), 'code')
    assert.equal(p.get('code_challenge_method'), 'S256')
    assert.match(p.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.ok((p.get('state') ?? '').length >= 20)
    assert.ok((p.get('nonce') ?? '').length >= 20)
    assert.equal(p.get('response_mode'), 'form_post')
    assert.equal(p.get('redirect_uri'), `${APP}/signin-oidc`)
    assert.deepEqual(p.get('scope')?.split(' ').sort(), [
      'User.Read',
      'offline_access',
      'openid',
      'profile',
    ])
    const tx = res.headers.getSetCookie().find((c) => c.startsWith('idweb.tx.'))
    assert.match(tx ?? '', /HttpOnly/i)
  })

  it('signs Alice in: callback redeems the code, starts a session and caches her tokens', async () => {
    const { callback, provider } = await h.signIn(alice, '/signin?returnTo=/todos')
    assert.equal(provider.consentShown, true, 'first use shows the consent page')
    assert.equal(callback.status, 303)
    assert.equal(callback.headers.get('location'), '/todos')
    const cookies = callback.headers.getSetCookie()
    assert.ok(
      cookies.some(
        (c) => c.startsWith('idweb.session=') && /HttpOnly/i.test(c) && /SameSite=Lax/i.test(c),
      ),
    )
    assert.ok(
      cookies.some((c) => c.startsWith('idweb.tx.') && /Max-Age=0/i.test(c)),
      'transaction cookie cleared',
    )
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    assert.equal(user.claims.name, demo.users.alice.name)
    assert.equal(user.claims.preferred_username, alice.username)
    assert.equal(user.account.homeAccountId, `${demo.users.alice.oid}.${demo.tenants.contoso.id}`)
    const partition = h.idweb.cache.peek(user.account.homeAccountId)
    assert.ok(partition?.account(), 'the account partition holds the account')
    assert.equal(partition?.account()?.username, alice.username)
  })

  it('answers silently from the cache, then refreshes once the token expired', async () => {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    const grants = h.idp.grantCount('refresh_token')
    const hit = await h.idweb.getTokenForUser(user, ['User.Read'])
    assert.equal(hit.fromCache, true)
    assert.equal(h.idp.grantCount('refresh_token'), grants)
    now += 2 * 3600 * 1000 // past the access token's lifetime
    const refreshed = await h.idweb.getTokenForUser(user, ['User.Read'])
    assert.equal(refreshed.fromCache, false)
    assert.notEqual(refreshed.accessToken, hit.accessToken)
    assert.equal(h.idp.grantCount('refresh_token'), grants + 1)
    const again = await h.idweb.getTokenForUser(user, ['User.Read'])
    assert.equal(again.fromCache, true)
    assert.equal(again.accessToken, refreshed.accessToken)
  })

  it('raises InteractionRequiredError for a scope not consented, and a re-challenge for it succeeds', async () => {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    const err = await interaction(h.idweb.getTokenForUser(user, [todoScope]))
    assert.equal(err.code, 'IDW_INTERACTION_REQUIRED')
    assert.equal(err.reason, 'consent_required')
    assert.deepEqual(err.scopes, [todoScope])
    assert.equal(err.protocolError?.errorCodes?.[0], 65001)
    assert.equal(err.protocolError?.suberror, 'consent_required')

    const challenge = await h.idweb.challenge(browserRequest(h, '/todos'), {
      scopes: err.scopes,
      returnTo: '/todos',
    })
    h.jar.store(APP, challenge.headers)
    const provider = await h.completeAtProvider(challenge)
    assert.equal(provider.consentShown, true)
    assert.deepEqual(provider.consentScopes, [todoScope], 'consent asks for the new scope only')
    const callback = await h.postCallback(provider)
    assert.equal(callback.status, 303)
    assert.equal(callback.headers.get('location'), '/todos')

    const { user: after } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(after)
    const token = await h.idweb.getTokenForUser(after, [todoScope])
    const claims = JSON.parse(
      Buffer.from(token.accessToken.split('.')[1] ?? '', 'base64url').toString(),
    )
    assert.equal(claims.aud, demo.apps.todoApi.clientId)
    assert.equal(claims.scp, 'access_as_user')
    const graph = await h.idweb.getTokenForUser(after, ['User.Read'])
    assert.equal(graph.fromCache, true, 'the earlier resource token is still cached')
  })

  it('re-challenges a signed-in session whose cache partition is empty (restart)', async () => {
    const idweb = h.restart() // same secrets, new in-memory cache
    const { user } = await idweb.authenticate(browserRequest(h))
    assert.ok(user, 'the session cookie still signs the user in')
    const err = await interaction(idweb.getTokenForUser(user, ['User.Read']))
    assert.equal(err.reason, 'no_account')
    const challenge = await idweb.challenge(browserRequest(h), {
      scopes: ['User.Read'],
      returnTo: '/profile',
    })
    h.jar.store(APP, challenge.headers)
    const provider = await h.completeAtProvider(challenge)
    assert.equal(provider.consentShown, false, 'already consented: the provider answers at once')
    const callback = await h.postCallback(provider)
    assert.equal(callback.headers.get('location'), '/profile')
    const { user: back } = await idweb.authenticate(browserRequest(h))
    assert.ok(back)
    assert.equal((await idweb.getTokenForUser(back, ['User.Read'])).fromCache, true)
  })

  it('signs out: removes the partition, clears the session and ends the provider session', async () => {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    const home = user.account.homeAccountId
    assert.ok(h.idweb.cache.peek(home))
    const res = await h.app('/signout')
    assert.equal(res.status, 302)
    const logout = new URL(res.headers.get('location') ?? '')
    assert.equal(logout.pathname, `/${demo.tenants.contoso.id}/oauth2/v2.0/logout`)
    assert.equal(
      logout.searchParams.get('post_logout_redirect_uri'),
      `${APP}/signout-callback-oidc`,
    )
    assert.ok(
      res.headers
        .getSetCookie()
        .some((c) => c.startsWith('idweb.session=') && /Max-Age=0/i.test(c)),
    )
    assert.equal(sessionCookie(h), undefined)
    assert.equal(h.idweb.cache.peek(home), undefined, 'partition gone from memory')
    assert.equal((await h.idweb.cache.partition(home)).isEmpty, true, 'and from the store')
    const { user: gone } = await h.idweb.authenticate(browserRequest(h))
    assert.equal(gone, undefined)
    await assert.rejects(h.idweb.getTokenForUser(user, ['User.Read']), (e: unknown) =>
      isIdwebError(e, 'IDW_INTERACTION_REQUIRED'),
    )
    const signedOut = await h.app('/signout-callback-oidc')
    assert.equal(signedOut.status, 302)
    assert.equal(signedOut.headers.get('location'), '/')
  })
})

describe('multi-tenant sign-in through common', () => {
  let h: Harness
  before(async () => {
    h = await startHarness({ app: { tenantId: 'common' } })
  })
  after(() => h.close())

  it("signs in a user of the second tenant with that tenant's real issuer", async () => {
    const start = await h.app('/signin')
    assert.match(start.headers.get('location') ?? '', /\/common\/oauth2\/v2\.0\/authorize/)
    const provider = await h.completeAtProvider(start, carol)
    const callback = await h.postCallback(provider)
    assert.equal(callback.status, 303, await callback.clone().text())
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    assert.equal(user.claims.tid, demo.tenants.fabrikam.id)
    assert.equal(user.claims.iss, h.idp.issuer(demo.tenants.fabrikam.id))
    assert.equal(user.account.homeAccountId, `${demo.users.carol.oid}.${demo.tenants.fabrikam.id}`)
    assert.equal((await h.idweb.getTokenForUser(user, ['User.Read'])).fromCache, true)
  })

  it('refuses a tenant outside allowedTenants', async () => {
    const only = await startHarness({
      sharedIdp: h.idp,
      app: { tenantId: 'common', allowedTenants: [demo.tenants.contoso.id] },
    })
    const { callback } = await only.signIn(carol)
    assert.equal(callback.status, 401)
    assert.match(await callback.text(), /IDW_ISSUER_INVALID/)
    assert.equal(sessionCookie(only), undefined)
    await only.close()
  })
})

/** The InteractionRequiredError `promise` rejects with; fails the test if it resolves. */
async function interaction(promise: Promise<unknown>): Promise<InteractionRequiredError> {
  const err = await promise.then(
    () => assert.fail('expected the user to be asked to interact'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof InteractionRequiredError, String(err))
  return err
}
