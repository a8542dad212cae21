import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { completeDeviceCode } from '../src/testing/index.ts'
import { claimsOf, codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const todoApi = { client_id: demo.apps.todoApi.clientId }
const todoAuth = oauth.ClientSecretPost(demo.apps.todoApi.clientSecret)

describe('on-behalf-of', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  let userToken: string
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
    const { tokens } = await codeFlow(as, {
      scope: `openid offline_access ${demo.apps.todoApi.scope}`,
    })
    userToken = tokens.access_token
  })
  after(() => idp.close())

  const obo = (assertion: string, scope: string) =>
    oauth.genericTokenEndpointRequest(
      as,
      todoApi,
      todoAuth,
      JWT_BEARER,
      { assertion, scope, requested_token_use: 'on_behalf_of' },
      insecure,
    )

  it('exchanges a token for the todo API for a Graph token of the same user', async () => {
    const tokens = await oauth.processGenericTokenEndpointResponse(
      as,
      todoApi,
      await obo(userToken, 'https://graph.microsoft.com/User.Read'),
    )
    const at = claimsOf(tokens.access_token)
    assert.equal(at.aud, demo.graph.appId)
    assert.equal(at.azp, demo.apps.todoApi.clientId)
    assert.equal(at.oid, demo.users.alice.oid)
    assert.equal(at.scp, 'User.Read')
    assert.equal(idp.grantCount(JWT_BEARER), 1)
    const me = await fetch(`${idp.url}/graph/v1.0/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    assert.equal((await me.json()).displayName, demo.users.alice.name)
  })

  it('needs consent for the downstream scope (invalid_grant AADSTS65001 consent_required)', async () => {
    const response = await obo(userToken, 'Mail.Read')
    const body = await response.json()
    assert.equal(body.error, 'invalid_grant')
    assert.equal(body.suberror, 'consent_required')
    assert.deepEqual(body.error_codes, [65001])
  })

  it('refuses an assertion whose audience is another app', async () => {
    const graphToken = (await codeFlow(as, { scope: 'openid User.Read' })).tokens.access_token
    const body = await (await obo(graphToken, 'User.Read')).json()
    assert.equal(body.error, 'invalid_grant')
    assert.deepEqual(body.error_codes, [50013])
  })

  it('refuses a tampered assertion', async () => {
    const [h, p, s] = userToken.split('.')
    const payload = claimsOf(userToken)
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, oid: demo.users.bob.oid })).toString('base64url')}.${s}`
    assert.ok(p)
    const body = await (await obo(forged, 'User.Read')).json()
    assert.equal(body.error, 'invalid_grant')
  })
})

describe('device code', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
  })
  after(() => idp.close())

  const cli = { client_id: demo.apps.cli.clientId }

  it("answers the device code request with Entra's fields, interval 5", async () => {
    const response = await oauth.deviceAuthorizationRequest(
      as,
      cli,
      oauth.None(),
      { scope: 'openid User.Read' },
      insecure,
    )
    const body = await response.json()
    assert.deepEqual(Object.keys(body).sort(), [
      'device_code',
      'expires_in',
      'interval',
      'message',
      'user_code',
      'verification_uri',
    ])
    assert.equal(body.interval, 5)
    assert.equal(body.expires_in, 900)
    assert.equal(
      body.message,
      `To sign in, use a web browser to open the page ${body.verification_uri} and enter the code ${body.user_code} to authenticate.`,
    )
  })

  it('signs the user in on the verification page and issues tokens to the polling client', async () => {
    const start = await oauth.deviceAuthorizationRequest(
      as,
      cli,
      oauth.None(),
      { scope: `openid profile offline_access ${demo.apps.todoApi.scope}` },
      insecure,
    )
    const device = await oauth.processDeviceAuthorizationResponse(as, cli, start)
    assert.match(String(device.message), /enter the code/)
    const pending = await (
      await oauth.deviceCodeGrantRequest(as, cli, oauth.None(), device.device_code, insecure)
    ).json()
    assert.equal(pending.error, 'authorization_pending')
    assert.deepEqual(pending.error_codes, [70016])

    const signIn = await completeDeviceCode(device.verification_uri, device.user_code, {
      username: demo.users.bob.username,
      password: demo.users.bob.password,
    })
    assert.equal(signIn.consentShown, false, 'the CLI is pre-authorized by the todo API')
    assert.match(String(signIn.page), /signed in/)

    const tokens = await oauth.processDeviceCodeResponse(
      as,
      cli,
      await oauth.deviceCodeGrantRequest(as, cli, oauth.None(), device.device_code, insecure),
    )
    assert.equal(claimsOf(tokens.access_token).aud, demo.apps.todoApi.clientId)
    assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.oid, demo.users.bob.oid)
    assert.ok(tokens.refresh_token)
  })

  it("accepts MSAL's grant_type=device_code", async () => {
    const start = await oauth.deviceAuthorizationRequest(
      as,
      cli,
      oauth.None(),
      { scope: 'openid User.Read' },
      insecure,
    )
    const device = await oauth.processDeviceAuthorizationResponse(as, cli, start)
    await completeDeviceCode(device.verification_uri, device.user_code, {
      username: demo.users.alice.username,
      password: demo.users.alice.password,
    })
    const response = await fetch(String(as.token_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'device_code',
        device_code: device.device_code,
        client_id: cli.client_id,
        client_info: '1',
      }),
    })
    const body = await response.json()
    assert.equal(response.status, 200, JSON.stringify(body))
    assert.equal(claimsOf(body.access_token).aud, demo.graph.appId)
    assert.ok(body.client_info)
  })
})
