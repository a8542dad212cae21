import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { signInInteractively } from '../src/testing/index.ts'
import { authorizeUrl, claimsOf, codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

const webApp = { client_id: demo.apps.webApp.clientId }
const auth = oauth.ClientSecretPost(demo.apps.webApp.clientSecret)

async function refresh(as: oauth.AuthorizationServer, refreshToken: string, scope?: string) {
  return oauth.refreshTokenGrantRequest(as, webApp, auth, refreshToken, {
    ...insecure,
    ...(scope ? { additionalParameters: { scope } } : {}),
  })
}

async function oauthError(promise: Promise<unknown>): Promise<oauth.ResponseBodyError> {
  try {
    await promise
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) return err
    throw err
  }
  assert.fail('expected an OAuth error response')
}

describe('refresh tokens', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
  })
  after(() => idp.close())

  it('refreshes, with a new ID token of the same subject', async () => {
    const { tokens } = await codeFlow(as)
    const first = oauth.getValidatedIdTokenClaims(tokens)
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      webApp,
      await refresh(as, String(tokens.refresh_token), 'openid profile offline_access'),
    )
    assert.ok(refreshed.access_token)
    assert.ok(refreshed.refresh_token)
    assert.equal(oauth.getValidatedIdTokenClaims(refreshed)?.sub, first?.sub)
    assert.equal(idp.grantCount('refresh_token'), 1)
  })

  it('without rotation, a refresh token stays usable (as Entra)', async () => {
    const { tokens } = await codeFlow(as)
    const rt = String(tokens.refresh_token)
    await oauth.processRefreshTokenResponse(as, webApp, await refresh(as, rt))
    await oauth.processRefreshTokenResponse(as, webApp, await refresh(as, rt))
  })

  it('redeems a refresh token for another consented resource (Graph, then the todo API)', async () => {
    const jar = (await codeFlow(as, { scope: `openid offline_access ${demo.apps.todoApi.scope}` }))
      .jar
    const { tokens } = await codeFlow(as, { jar, scope: 'openid offline_access User.Read' })
    assert.equal(claimsOf(tokens.access_token).aud, demo.graph.appId)
    const api = await oauth.processRefreshTokenResponse(
      as,
      webApp,
      await refresh(as, String(tokens.refresh_token), demo.apps.todoApi.scope),
    )
    assert.equal(claimsOf(api.access_token).aud, demo.apps.todoApi.clientId)
    assert.equal(claimsOf(api.access_token).scp, 'access_as_user')
  })

  it('fails with invalid_grant AADSTS65001 consent_required for an unconsented scope, then incremental consent shows only the new scope', async () => {
    const { tokens, jar } = await codeFlow(as, {
      username: demo.users.bob.username,
      password: demo.users.bob.password,
      scope: 'openid profile offline_access User.Read',
    })
    const err = await oauthError(
      oauth.processRefreshTokenResponse(
        as,
        webApp,
        await refresh(as, String(tokens.refresh_token), 'User.ReadBasic.All'),
      ),
    )
    assert.equal(err.error, 'invalid_grant')
    assert.equal(err.cause.suberror, 'consent_required')
    assert.deepEqual(err.cause.error_codes, [65001])
    assert.match(String(err.error_description), /^AADSTS65001: /)

    const request = await authorizeUrl(as, {
      scope: 'openid profile offline_access User.ReadBasic.All',
    })
    const signIn = await signInInteractively(request.url, {
      username: 'unused',
      password: 'unused',
      jar,
    })
    assert.equal(signIn.consentShown, true)
    assert.deepEqual(signIn.consentScopes, ['https://graph.microsoft.com/User.ReadBasic.All'])

    const ok = await oauth.processRefreshTokenResponse(
      as,
      webApp,
      await refresh(as, String(tokens.refresh_token), 'User.ReadBasic.All'),
    )
    assert.equal(claimsOf(ok.access_token).scp, 'User.ReadBasic.All')
  })

  it('.default is granted everything consented for the resource', async () => {
    const { tokens } = await codeFlow(as, { scope: 'openid offline_access User.Read' })
    const all = await oauth.processRefreshTokenResponse(
      as,
      webApp,
      await refresh(as, String(tokens.refresh_token), demo.graph.defaultScope),
    )
    assert.ok(String(claimsOf(all.access_token).scp).split(' ').includes('User.Read'))
  })
})

describe('refresh tokens with strict rotation', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp({ rotateRefreshTokens: true })
    as = await discover(idp)
  })
  after(() => idp.close())

  it('rotates: the new refresh token works, reusing the old one fails with invalid_grant', async () => {
    const { tokens } = await codeFlow(as)
    const old = String(tokens.refresh_token)
    const next = await oauth.processRefreshTokenResponse(as, webApp, await refresh(as, old))
    assert.notEqual(next.refresh_token, old)
    const err = await oauthError(
      oauth.processRefreshTokenResponse(as, webApp, await refresh(as, old)),
    )
    assert.equal(err.error, 'invalid_grant')
    assert.deepEqual(err.cause.error_codes, [70008])
    await oauth.processRefreshTokenResponse(
      as,
      webApp,
      await refresh(as, String(next.refresh_token)),
    )
    assert.equal(idp.grantCount('refresh_token'), 2)
  })

  it('counts exactly one successful refresh when many race with one token', async () => {
    idp.grants.reset()
    const { tokens } = await codeFlow(as)
    const results = await Promise.all(
      Array.from(
        { length: 30 },
        async () => (await refresh(as, String(tokens.refresh_token))).status,
      ),
    )
    assert.equal(results.filter((s) => s === 200).length, 1)
    assert.equal(idp.grantCount('refresh_token'), 1)
  })

  it('a sign-in slower than ttl.refreshToken still redeems its code and gets a refresh token', async () => {
    const short = await startIdp({ rotateRefreshTokens: true, ttl: { refreshToken: 1 } })
    try {
      const { tokens } = await codeFlow(await discover(short), { redeemAfterMs: 1100 })
      assert.ok(tokens.id_token, 'an ID token')
      assert.ok(tokens.refresh_token, 'a refresh token')
    } finally {
      await short.close()
    }
  })

  it('expires refresh tokens by ttl.refreshToken', async () => {
    const short = await startIdp({ rotateRefreshTokens: true, ttl: { refreshToken: 1 } })
    try {
      const shortAs = await discover(short)
      const { tokens } = await codeFlow(shortAs)
      await new Promise((r) => setTimeout(r, 1100))
      const err = await oauthError(
        oauth.processRefreshTokenResponse(
          shortAs,
          webApp,
          await refresh(shortAs, String(tokens.refresh_token)),
        ),
      )
      assert.equal(err.error, 'invalid_grant')
    } finally {
      await short.close()
    }
  })
})
