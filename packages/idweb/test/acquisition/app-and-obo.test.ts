import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { InteractionRequiredError } from '../../src/errors.ts'
import { createIdweb, type Idweb } from '../../src/web/idweb.ts'
import { alice, browserRequest, type Harness, startHarness } from '../web/harness.ts'

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >

describe('app-only tokens and on-behalf-of against the dev IdP', () => {
  let idp: DevIdp
  let web: Harness
  let api: Idweb
  let daemon: Idweb
  const now = Date.now()
  const base = () => ({
    instance: `${idp.url}/`,
    tenantId: demo.tenants.contoso.id,
    allowInsecureHttp: true,
    session: { secrets: ['a-session-secret-for-app-and-obo-tests-01'] },
  })

  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
    web = await startHarness({ sharedIdp: idp, app: { initialScopes: [demo.apps.todoApi.scope] } })
    const { callback } = await web.signIn(alice)
    assert.equal(callback.status, 303)
    // The todo API is a confidential client of its own: it calls Graph on the user's behalf.
    api = createIdweb(
      {
        ...base(),
        clientId: demo.apps.todoApi.clientId,
        clientSecret: demo.apps.todoApi.clientSecret,
      },
      { env: {}, clock: () => now },
    )
    daemon = createIdweb(
      {
        ...base(),
        clientId: demo.apps.daemon.clientId,
        clientSecret: demo.apps.daemon.clientSecret,
      },
      { env: {}, clock: () => now },
    )
  })
  after(async () => {
    await api.close()
    await daemon.close()
    await web.close()
    await idp.close()
  })

  it('client credentials: an app token with roles, then served from the cache', async () => {
    const token = await daemon.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
    assert.equal(token.fromCache, false)
    const claims = claimsOf(token.accessToken)
    assert.equal(claims.aud, demo.apps.todoApi.clientId)
    assert.deepEqual(claims.roles, ['Todo.Read.All'])
    assert.equal(claims.scp, undefined)
    const grants = idp.grantCount('client_credentials')
    const again = await daemon.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
    assert.equal(again.fromCache, true)
    assert.equal(again.accessToken, token.accessToken)
    assert.equal(idp.grantCount('client_credentials'), grants)
  })

  it('on-behalf-of: the API exchanges the user token for a Graph token naming the same user', async () => {
    const { user } = await web.idweb.authenticate(browserRequest(web))
    assert.ok(user)
    const incoming = await web.idweb.getTokenForUser(user, [demo.apps.todoApi.scope])
    assert.equal(claimsOf(incoming.accessToken).aud, demo.apps.todoApi.clientId)
    const graph = await api.acquirer.getTokenOnBehalfOf(incoming.accessToken, ['User.Read'])
    const claims = claimsOf(graph.accessToken)
    assert.equal(claims.aud, demo.graph.appId)
    assert.equal(claims.oid, demo.users.alice.oid)
    assert.equal(claims.azp, demo.apps.todoApi.clientId)
    const me = await fetch(`${idp.url}/graph/v1.0/me`, {
      headers: { authorization: `Bearer ${graph.accessToken}` },
    })
    assert.equal(me.status, 200)
    assert.equal((await me.json()).displayName, demo.users.alice.name)

    const obo = idp.grantCount('urn:ietf:params:oauth:grant-type:jwt-bearer')
    const cached = await api.acquirer.getTokenOnBehalfOf(incoming.accessToken, ['User.Read'])
    assert.equal(cached.fromCache, true, 'cached per incoming token')
    assert.equal(idp.grantCount('urn:ietf:params:oauth:grant-type:jwt-bearer'), obo)
  })

  it("an app token in another tenant comes from that tenant's authority", async () => {
    // The multi-tenant web app, configured with its home tenant, working in a customer's.
    const app = createIdweb(
      {
        ...base(),
        clientId: demo.apps.webApp.clientId,
        clientSecret: demo.apps.webApp.clientSecret,
      },
      { env: {} },
    )
    try {
      const customer = demo.tenants.fabrikam.id
      const theirs = await app.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope], {
        tenant: customer,
      })
      assert.equal(claimsOf(theirs.accessToken).tid, customer)
      assert.equal(claimsOf(theirs.accessToken).iss, idp.issuer(customer))
      const home = await app.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
      assert.equal(claimsOf(home.accessToken).tid, demo.tenants.contoso.id)
      const again = await app.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope], {
        tenant: customer,
      })
      assert.equal(again.fromCache, true)
      assert.equal(again.accessToken, theirs.accessToken, 'cached per tenant, never mixed')
    } finally {
      await app.close()
    }
  })

  it('on-behalf-of stays within its memory bound over many real incoming tokens', async () => {
    const bound = 24 * 1024
    const bounded = createIdweb(
      {
        ...base(),
        clientId: demo.apps.todoApi.clientId,
        clientSecret: demo.apps.todoApi.clientSecret,
        tokenCache: { onBehalfOfMemoryBytes: bound },
      },
      { env: {} },
    )
    try {
      const { user } = await web.idweb.authenticate(browserRequest(web))
      assert.ok(user)
      const exchanges = idp.grantCount('urn:ietf:params:oauth:grant-type:jwt-bearer')
      let last = ''
      for (let i = 0; i < 40; i++) {
        // A new access token for the API each time, as callers bring every hour.
        last = (
          await web.idweb.getTokenForUser(user, [demo.apps.todoApi.scope], { forceRefresh: true })
        ).accessToken
        const graph = await bounded.acquirer.getTokenOnBehalfOf(last, ['User.Read'])
        assert.equal(graph.fromCache, false)
        assert.ok(bounded.onBehalfOfCache.bytes <= bound, `${bounded.onBehalfOfCache.bytes} bytes`)
      }
      assert.equal(idp.grantCount('urn:ietf:params:oauth:grant-type:jwt-bearer'), exchanges + 40)
      const held = bounded.onBehalfOfCache.size
      assert.ok(held > 1 && held < 40, `${held} held`)
      assert.equal(bounded.onBehalfOfCache.stats.evictions, 40 - held)
      assert.equal((await bounded.acquirer.getTokenOnBehalfOf(last, ['User.Read'])).fromCache, true)
    } finally {
      await bounded.close()
    }
  })

  it('on-behalf-of with a token issued for another app is refused (AADSTS50013), nothing cached', async () => {
    const { user } = await web.idweb.authenticate(browserRequest(web))
    assert.ok(user)
    const forTodoApi = await web.idweb.getTokenForUser(user, [demo.apps.todoApi.scope])
    // The daemon is not the audience of this token, so it may not exchange it.
    const err = await daemon.acquirer
      .getTokenOnBehalfOf(forTodoApi.accessToken, ['User.Read'])
      .then(
        () => assert.fail('the provider must refuse an assertion for another audience'),
        (e: unknown) => e,
      )
    // invalid_grant: as MSAL does, the API learns its caller must get a new user token.
    assert.ok(err instanceof InteractionRequiredError, String(err))
    assert.equal(err.protocolError?.error, 'invalid_grant')
    assert.ok(err.protocolError?.errorCodes?.includes(50013), `${err.protocolError?.errorCodes}`)
    await assert.rejects(daemon.acquirer.getTokenOnBehalfOf(forTodoApi.accessToken, ['User.Read']))
  })
})
