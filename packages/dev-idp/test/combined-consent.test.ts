// Entra's combined consent: a middle-tier API names its known clients and the permissions it needs
// downstream; a user consenting to a known client's request for the API consents to those too, so
// the API's on-behalf-of call works. Before that, the exchange is consent_required (AADSTS65001).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { AppRegistration, DevIdp } from '../src/index.ts'
import { codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

const API = 'a0000000-0000-4000-c000-0000000000a5'
const CLIENT = 'a0000000-0000-4000-c000-0000000000a6'
const STRANGER = 'a0000000-0000-4000-c000-0000000000a7'
const REDIRECT = 'http://localhost:3900/signin-oidc'

describe('combined consent for a middle-tier API (knownClientApplications)', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    const client = (appId: string): AppRegistration => ({
      appId,
      displayName: `Client ${appId.slice(-2)}`,
      homeTenant: demo.tenants.contoso.id,
      signInAudience: 'AzureADMyOrg',
      secrets: ['client-secret-dev-only'],
      redirectUris: [REDIRECT],
    })
    const { readDirectoryFile, defaultDirectoryPath } = await import('../src/index.ts')
    const directory = await readDirectoryFile(defaultDirectoryPath)
    directory.apps.push(client(CLIENT), client(STRANGER), {
      appId: API,
      displayName: 'Middle API',
      homeTenant: demo.tenants.contoso.id,
      signInAudience: 'AzureADMyOrg',
      secrets: ['api-secret-dev-only'],
      scopes: ['access_as_user'],
      requiredScopes: ['https://graph.microsoft.com/User.Read'],
      knownClientApplications: [CLIENT],
    })
    idp = await startIdp({ directory })
    as = await discover(idp)
  })
  after(() => idp.close())

  const signIn = (
    clientId: string,
    extra: Record<string, string> = {},
    username: string = demo.users.bob.username,
  ) =>
    codeFlow(as, {
      clientId,
      clientSecret: 'client-secret-dev-only',
      redirectUri: REDIRECT,
      scope: `openid offline_access api://${API}/access_as_user`,
      username,
      password: username.startsWith('bob') ? demo.users.bob.password : demo.users.alice.password,
      extra,
    })
  const obo = async (assertion: string) => {
    const response = await oauth.genericTokenEndpointRequest(
      as,
      { client_id: API },
      oauth.ClientSecretPost('api-secret-dev-only'),
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      {
        assertion,
        scope: 'https://graph.microsoft.com/User.Read',
        requested_token_use: 'on_behalf_of',
      },
      insecure,
    )
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it("consenting to a known client lists and grants the API's downstream permission", async () => {
    const { tokens, signIn: shown } = await signIn(CLIENT)
    assert.ok(shown.consentShown)
    assert.ok(
      shown.consentScopes.includes('https://graph.microsoft.com/User.Read'),
      `${shown.consentScopes}`,
    )
    const exchanged = await obo(tokens.access_token)
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body))
  })

  it('a client the API does not know: consent covers the client only, and the exchange is consent_required', async () => {
    const { tokens, signIn: shown } = await signIn(STRANGER, {}, demo.users.alice.username)
    assert.ok(!shown.consentScopes.includes('https://graph.microsoft.com/User.Read'))
    const refused = await obo(tokens.access_token)
    assert.equal(refused.status, 400)
    assert.equal(refused.body.error, 'invalid_grant')
    assert.equal(refused.body.suberror, 'consent_required')
    assert.deepEqual(refused.body.error_codes, [65001])
  })

  it('prompt=consent from a known client asks again for only what the API still lacks', async () => {
    // Alice consented to STRANGER above, never to CLIENT or the API's downstream permission.
    const first = await signIn(CLIENT, {}, demo.users.alice.username)
    assert.equal((await obo(first.tokens.access_token)).status, 200)
    const again = await signIn(CLIENT, { prompt: 'consent' }, demo.users.alice.username)
    assert.ok(again.signIn.consentShown)
    assert.ok(!again.signIn.consentScopes.includes('https://graph.microsoft.com/User.Read'))
  })
})
