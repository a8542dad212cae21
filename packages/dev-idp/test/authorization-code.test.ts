import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { CookieJar, signInInteractively } from '../src/testing/index.ts'
import { authorizeUrl, claimsOf, codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

describe('authorization code with PKCE', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
  })
  after(() => idp.close())

  it('signs alice in through the login and consent pages and issues Entra-shaped tokens', async () => {
    const { tokens, signIn } = await codeFlow(as, { scope: 'openid profile email offline_access' })
    assert.equal(signIn.consentShown, true)
    assert.deepEqual(signIn.consentScopes.sort(), ['email', 'offline_access', 'openid', 'profile'])
    const id = oauth.getValidatedIdTokenClaims(tokens)
    assert.ok(id)
    assert.equal(id.iss, idp.issuer(demo.tenants.contoso.id))
    assert.equal(id.aud, demo.apps.webApp.clientId)
    assert.equal(id.oid, demo.users.alice.oid)
    assert.equal(id.tid, demo.tenants.contoso.id)
    assert.equal(id.ver, '2.0')
    assert.equal(id.preferred_username, demo.users.alice.username)
    assert.match(String(id.name), /Alice/)
    assert.notEqual(id.sub, demo.users.alice.oid, 'sub is pairwise, not the object id')
    assert.ok(tokens.refresh_token, 'offline_access yields a refresh token')
    assert.equal(idp.grantCount('authorization_code'), 1)
  })

  it('returns client_info when the token request carries client_info=1', async () => {
    const request = await authorizeUrl(as)
    const signIn = await signInInteractively(request.url, {
      username: 'bob@contoso.example',
      password: 'bob',
    })
    assert.ok(signIn.redirectUrl)
    const client = { client_id: demo.apps.webApp.clientId }
    const params = oauth.validateAuthResponse(as, client, signIn.redirectUrl, request.state)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(demo.apps.webApp.clientSecret),
      params,
      demo.apps.webApp.redirectUri,
      request.verifier,
      { ...insecure, additionalParameters: { client_info: '1' } },
    )
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: request.nonce,
    })
    const info = JSON.parse(Buffer.from(String(tokens.client_info), 'base64url').toString())
    assert.deepEqual(info, { uid: demo.users.bob.oid, utid: demo.tenants.contoso.id })
  })

  it('returns client_info when only the authorization request carried client_info=1', async () => {
    const request = await authorizeUrl(as, { extra: { client_info: '1' } })
    const signIn = await signInInteractively(request.url, {
      username: demo.users.alice.username,
      password: demo.users.alice.password,
    })
    assert.ok(signIn.redirectUrl)
    const client = { client_id: demo.apps.webApp.clientId }
    const params = oauth.validateAuthResponse(as, client, signIn.redirectUrl, request.state)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.ClientSecretPost(demo.apps.webApp.clientSecret),
      params,
      demo.apps.webApp.redirectUri,
      request.verifier,
      insecure,
    )
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: request.nonce,
    })
    const info = JSON.parse(Buffer.from(String(tokens.client_info), 'base64url').toString())
    assert.deepEqual(info, { uid: demo.users.alice.oid, utid: demo.tenants.contoso.id })
  })

  it('keeps the session: a second sign-in with the same cookies needs neither password nor consent', async () => {
    const jar = new CookieJar()
    await codeFlow(as, { jar, username: 'bob@contoso.example', password: 'bob' })
    const again = await signInInteractively((await authorizeUrl(as)).url, {
      username: 'x',
      password: 'wrong',
      jar,
    })
    assert.equal(again.kind, 'redirect')
    assert.equal(again.consentShown, false)
    assert.ok(again.redirectUrl?.searchParams.get('code'))
  })

  it('gives each app its own pairwise sub; loopback redirect URIs match on any port', async () => {
    const jar = new CookieJar()
    const web = await codeFlow(as, { jar })
    const cli = await codeFlow(as, {
      jar,
      clientId: demo.apps.cli.clientId,
      clientSecret: undefined,
      redirectUri: 'http://localhost:53123',
    })
    const webId = oauth.getValidatedIdTokenClaims(web.tokens)
    const cliId = oauth.getValidatedIdTokenClaims(cli.tokens)
    assert.equal(webId?.oid, cliId?.oid)
    assert.notEqual(webId?.sub, cliId?.sub)
  })

  it('does not send RFC 9207 iss by default', async () => {
    const request = await authorizeUrl(as)
    const signIn = await signInInteractively(request.url, {
      username: demo.users.alice.username,
      password: demo.users.alice.password,
    })
    assert.equal(signIn.redirectUrl?.searchParams.has('iss'), false)
  })

  it('sends iss when issuerInAuthResponse is on, and oauth4webapi checks it', async () => {
    const withIss = await startIdp({ issuerInAuthResponse: true })
    try {
      const issAs = await discover(withIss)
      const { params } = await codeFlow(issAs)
      assert.equal(params.get('iss'), withIss.issuer(demo.tenants.contoso.id))
    } finally {
      await withIss.close()
    }
  })

  it('answers response_mode=form_post with an auto-submitting form', async () => {
    const request = await authorizeUrl(as, { extra: { response_mode: 'form_post' } })
    const signIn = await signInInteractively(request.url, {
      username: demo.users.alice.username,
      password: demo.users.alice.password,
    })
    assert.equal(signIn.kind, 'form_post')
    assert.equal(signIn.formPost?.action, demo.apps.webApp.redirectUri)
    assert.equal(signIn.formPost?.params.get('state'), request.state)
    assert.ok(signIn.formPost?.params.get('code'))
    assert.equal(signIn.formPost?.params.has('iss'), false)
  })

  it('issues API access tokens with aud = app id, scp without prefix, azp, oid, tid, ver', async () => {
    const { tokens } = await codeFlow(as, {
      scope: `openid offline_access ${demo.apps.todoApi.scope}`,
      username: demo.users.alice.username,
    })
    const at = claimsOf(tokens.access_token)
    assert.equal(at.aud, demo.apps.todoApi.clientId)
    assert.equal(at.scp, 'access_as_user')
    assert.equal(at.azp, demo.apps.webApp.clientId)
    assert.equal(at.oid, demo.users.alice.oid)
    assert.equal(at.tid, demo.tenants.contoso.id)
    assert.equal(at.ver, '2.0')
    assert.equal(at.iss, idp.issuer(demo.tenants.contoso.id))
    assert.deepEqual(at.roles, ['Todo.Admin'])
    assert.equal(tokens.scope?.split(' ').includes(demo.apps.todoApi.scope), true)
  })
})
