import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { type CookieJar, jarFetch, signInInteractively, signOut } from '../src/testing/index.ts'
import { authorizeUrl, codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

async function landsOnLoginPage(url: URL, jar: CookieJar): Promise<boolean> {
  const get = jarFetch(jar)
  let next = url
  for (let i = 0; i < 5; i++) {
    const res = await get(next)
    const location = res.headers.get('location')
    if (!location) return (await res.text()).includes('id="password"')
    await res.arrayBuffer()
    next = new URL(location, next)
    if (next.origin !== url.origin) return false
  }
  return false
}

describe('logout', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
  })
  after(() => idp.close())

  it('ends the session and returns to post_logout_redirect_uri with state', async () => {
    const { jar, tokens } = await codeFlow(as)
    const logout = new URL(String(as.end_session_endpoint))
    logout.search = new URLSearchParams({
      post_logout_redirect_uri: 'http://localhost:61000/signout-callback-oidc',
      state: 'bye',
      id_token_hint: String(tokens.id_token),
    }).toString()
    const result = await signOut(logout, { jar })
    assert.equal(result.kind, 'redirect')
    assert.equal(result.redirectUrl?.pathname, '/signout-callback-oidc')
    assert.equal(result.redirectUrl?.port, '61000', 'loopback post-logout URIs match on any port')
    assert.equal(result.redirectUrl?.searchParams.get('state'), 'bye')
    assert.equal(await landsOnLoginPage((await authorizeUrl(as)).url, jar), true)
  })

  it('accepts post_logout_redirect_uri without client_id or id_token_hint, as Entra does', async () => {
    const { jar } = await codeFlow(as)
    const logout = new URL(String(as.end_session_endpoint))
    logout.searchParams.set('post_logout_redirect_uri', demo.apps.webApp.postLogoutRedirectUri)
    const result = await signOut(logout, { jar })
    assert.equal(result.redirectUrl?.href, demo.apps.webApp.postLogoutRedirectUri)
  })
})

describe('multi-tenant sign-in through common', () => {
  let idp: DevIdp
  before(async () => {
    idp = await startIdp()
  })
  after(() => idp.close())

  it("signs in the second tenant's user: iss is that tenant's issuer, tid its GUID", async () => {
    const common = await (
      await fetch(`${idp.authority('common')}/v2.0/.well-known/openid-configuration`)
    ).json()
    const request = await authorizeUrl(common as oauth.AuthorizationServer, {
      scope: 'openid profile offline_access',
    })
    const signIn = await signInInteractively(request.url, {
      username: demo.users.carol.username,
      password: demo.users.carol.password,
    })
    assert.equal(signIn.consentShown, true)
    assert.ok(signIn.redirectUrl)
    const home: oauth.AuthorizationServer = {
      issuer: idp.issuer(demo.tenants.fabrikam.id),
      token_endpoint: common.token_endpoint,
      jwks_uri: common.jwks_uri,
    }
    const client = { client_id: demo.apps.webApp.clientId }
    const params = oauth.validateAuthResponse(home, client, signIn.redirectUrl, request.state)
    const response = await oauth.authorizationCodeGrantRequest(
      home,
      client,
      oauth.ClientSecretPost(demo.apps.webApp.clientSecret),
      params,
      demo.apps.webApp.redirectUri,
      request.verifier,
      insecure,
    )
    const tokens = await oauth.processAuthorizationCodeResponse(home, client, response, {
      expectedNonce: request.nonce,
    })
    const id = oauth.getValidatedIdTokenClaims(tokens)
    assert.equal(id?.iss, idp.issuer(demo.tenants.fabrikam.id))
    assert.equal(id?.tid, demo.tenants.fabrikam.id)
    assert.equal(id?.oid, demo.users.carol.oid)

    const refreshed = await oauth.processRefreshTokenResponse(
      home,
      client,
      await oauth.refreshTokenGrantRequest(
        home,
        client,
        oauth.ClientSecretPost(demo.apps.webApp.clientSecret),
        String(tokens.refresh_token),
        insecure,
      ),
    )
    assert.ok(refreshed.access_token, 'refresh through /common reaches the issuing tenant')
  })

  it('goes straight to the home tenant with login_hint', async () => {
    const url = new URL(`${idp.url}/organizations/oauth2/v2.0/authorize`)
    url.search = new URLSearchParams({
      client_id: demo.apps.webApp.clientId,
      login_hint: demo.users.carol.username,
      response_type: 'code',
    }).toString()
    const res = await fetch(url, { redirect: 'manual' })
    assert.equal(res.status, 302)
    assert.match(
      String(res.headers.get('location')),
      new RegExp(`/${demo.tenants.fabrikam.id}/oauth2/v2.0/authorize\\?`),
    )
  })

  it('refuses a user of another tenant at a tenant endpoint with a message, not a 500', async () => {
    const contoso = await discover(idp)
    const request = await authorizeUrl(contoso)
    const signIn = await signInInteractively(request.url, {
      username: demo.users.carol.username,
      password: demo.users.carol.password,
    })
    assert.equal(signIn.kind, 'page')
    assert.equal(signIn.status, 200)
    assert.match(String(signIn.page), /AADSTS50020/)
  })
})
