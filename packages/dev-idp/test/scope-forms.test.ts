import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { completeDeviceCode, signInInteractively } from '../src/testing/index.ts'
import { authorizeUrl, codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const GRAPH_USER_READ = 'https://graph.microsoft.com/User.Read'
const webApp = { client_id: demo.apps.webApp.clientId }
const webAuth = oauth.ClientSecretPost(demo.apps.webApp.clientSecret)

/** The raw `scope` of a refresh, with or without a `scope` parameter. */
async function refreshScope(as: oauth.AuthorizationServer, refreshToken: string, scope?: string) {
  const response = await oauth.refreshTokenGrantRequest(as, webApp, webAuth, refreshToken, {
    ...insecure,
    ...(scope ? { additionalParameters: { scope } } : {}),
  })
  const body = await response.json()
  assert.equal(response.status, 200, JSON.stringify(body))
  return { scope: body.scope as unknown, refreshToken: String(body.refresh_token) }
}

describe('scope forms of token responses (as Entra answers them)', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
  })
  after(() => idp.close())

  it('full Graph scope asked → full answered, the same on code redemption and refresh', async () => {
    const { tokens } = await codeFlow(as, {
      scope: `openid profile offline_access ${GRAPH_USER_READ}`,
    })
    assert.equal(tokens.scope, `${GRAPH_USER_READ} openid profile offline_access`)
    const refreshed = await refreshScope(as, String(tokens.refresh_token))
    assert.equal(refreshed.scope, `${GRAPH_USER_READ} openid profile offline_access`)
    const again = await refreshScope(as, refreshed.refreshToken)
    assert.equal(again.scope, refreshed.scope, 'a refreshed refresh token keeps the forms')
  })

  it('Graph short name asked → short answered, the same on code redemption and refresh', async () => {
    const { tokens } = await codeFlow(as, { scope: 'openid profile offline_access User.Read' })
    assert.equal(tokens.scope, 'User.Read openid profile offline_access')
    const refreshed = await refreshScope(as, String(tokens.refresh_token))
    assert.equal(refreshed.scope, 'User.Read openid profile offline_access')
  })

  it('answers in one order whatever order the request used (MSAL Python keys tokens by it)', async () => {
    const { tokens } = await codeFlow(as, {
      scope: 'offline_access Mail.Read profile User.Read openid',
    })
    assert.equal(tokens.scope, 'User.Read Mail.Read openid profile offline_access')
    const refreshed = await refreshScope(
      as,
      String(tokens.refresh_token),
      'openid User.Read offline_access Mail.Read profile',
    )
    assert.equal(refreshed.scope, tokens.scope)
  })

  it("answers the scope name as the resource registers it, in the request's form", async () => {
    const { tokens } = await codeFlow(as, {
      scope: 'openid offline_access https://graph.microsoft.com/user.read',
    })
    assert.equal(tokens.scope, `${GRAPH_USER_READ} openid offline_access`)
    const short = await refreshScope(as, String(tokens.refresh_token), 'user.read openid')
    assert.equal(short.scope, 'User.Read openid')
  })

  it("a refresh with its own scope is answered in that scope's forms", async () => {
    const { tokens } = await codeFlow(as, { scope: 'openid profile offline_access User.Read' })
    const full = await refreshScope(
      as,
      String(tokens.refresh_token),
      `${GRAPH_USER_READ} openid profile offline_access`,
    )
    assert.equal(full.scope, `${GRAPH_USER_READ} openid profile offline_access`)
    const later = await refreshScope(as, full.refreshToken)
    assert.equal(later.scope, full.scope, 'the new refresh token keeps the forms it was asked with')
  })

  it('a code redemption with its own scope is answered in that scope', async () => {
    const request = await authorizeUrl(as, { scope: 'openid profile offline_access User.Read' })
    const signIn = await signInInteractively(request.url, {
      username: demo.users.alice.username,
      password: demo.users.alice.password,
    })
    assert.ok(signIn.redirectUrl)
    const params = oauth.validateAuthResponse(as, webApp, signIn.redirectUrl, request.state)
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      webApp,
      webAuth,
      params,
      demo.apps.webApp.redirectUri,
      request.verifier,
      {
        ...insecure,
        additionalParameters: { scope: `${GRAPH_USER_READ} openid profile offline_access` },
      },
    )
    const body = await response.json()
    assert.equal(body.scope, `${GRAPH_USER_READ} openid profile offline_access`)
    const refreshed = await refreshScope(as, String(body.refresh_token))
    assert.equal(refreshed.scope, body.scope)
  })

  it('another API is answered with its scopes only, no OIDC scopes (code and refresh)', async () => {
    const asked = `openid profile offline_access ${demo.apps.todoApi.scope}`
    const { tokens } = await codeFlow(as, { scope: asked })
    assert.equal(tokens.scope, demo.apps.todoApi.scope)
    const refreshed = await refreshScope(as, String(tokens.refresh_token))
    assert.equal(refreshed.scope, demo.apps.todoApi.scope)
    const withScope = await refreshScope(
      as,
      String(tokens.refresh_token),
      `${demo.apps.todoApi.scope} openid profile offline_access`,
    )
    assert.equal(withScope.scope, demo.apps.todoApi.scope)
  })

  describe('device code', () => {
    const cli = { client_id: demo.apps.cli.clientId }

    it('answers the redeemed device code in the forms the device code request asked', async () => {
      const start = await oauth.deviceAuthorizationRequest(
        as,
        cli,
        oauth.None(),
        { scope: `openid profile offline_access ${GRAPH_USER_READ}` },
        insecure,
      )
      const device = await oauth.processDeviceAuthorizationResponse(as, cli, start)
      await completeDeviceCode(device.verification_uri, device.user_code, {
        username: demo.users.bob.username,
        password: demo.users.bob.password,
      })
      const tokens = await oauth.processDeviceCodeResponse(
        as,
        cli,
        await oauth.deviceCodeGrantRequest(as, cli, oauth.None(), device.device_code, insecure),
      )
      assert.equal(tokens.scope, `${GRAPH_USER_READ} openid profile offline_access`)
    })
  })
})

// A provider of its own: what `.default` answers depends on what the user consented to before.
describe('{resource}/.default in token responses', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
  })
  after(() => idp.close())

  it('Graph .default is answered as the consented permissions, in full form, with OIDC scopes', async () => {
    const { tokens } = await codeFlow(as, {
      scope: `openid profile offline_access ${demo.graph.defaultScope}`,
    })
    assert.equal(tokens.scope, `${GRAPH_USER_READ} openid profile offline_access`)
    const refreshed = await refreshScope(as, String(tokens.refresh_token))
    assert.equal(refreshed.scope, `${GRAPH_USER_READ} openid profile offline_access`)
  })

  it('an API .default is answered as its consented scopes, in full form, alone', async () => {
    const { tokens } = await codeFlow(as, {
      scope: `openid offline_access ${demo.apps.todoApi.defaultScope}`,
    })
    assert.equal(tokens.scope, demo.apps.todoApi.scope)
  })

  it('on-behalf-of: full asked → full answered, short → short, .default expanded', async () => {
    const { tokens } = await codeFlow(as, {
      scope: `openid offline_access ${demo.apps.todoApi.scope}`,
    })
    const todoApi = { client_id: demo.apps.todoApi.clientId }
    const obo = async (scope: string) => {
      const response = await oauth.genericTokenEndpointRequest(
        as,
        todoApi,
        oauth.ClientSecretPost(demo.apps.todoApi.clientSecret),
        JWT_BEARER,
        { assertion: tokens.access_token, scope, requested_token_use: 'on_behalf_of' },
        insecure,
      )
      const body = await response.json()
      assert.equal(response.status, 200, JSON.stringify(body))
      return body.scope
    }
    assert.equal(
      await obo(`${GRAPH_USER_READ} openid profile offline_access`),
      `${GRAPH_USER_READ} openid profile offline_access`,
    )
    assert.equal(await obo('User.Read'), 'User.Read')
    assert.equal(await obo(demo.graph.defaultScope), GRAPH_USER_READ)
  })

  it('client credentials answer without a scope field', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: demo.apps.daemon.clientId },
      oauth.ClientSecretPost(demo.apps.daemon.clientSecret),
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    const body = await response.json()
    assert.equal(response.status, 200)
    assert.deepEqual(Object.keys(body).sort(), [
      'access_token',
      'expires_in',
      'ext_expires_in',
      'token_type',
    ])
  })
})
