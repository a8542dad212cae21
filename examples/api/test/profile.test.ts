// GET /me: the todo API calls Graph on behalf of its caller (on-behalf-of), against the dev IdP's
// real token endpoint and Graph emulation. When the user has not consented to the API's own Graph
// permission, the API answers 403 with a WWW-Authenticate the web app can act on.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  type DevIdp,
  defaultDirectoryPath,
  demo,
  readDirectoryFile,
  startDevIdp,
} from '@idweb/dev-idp'
import { createTodoApi, type TodoApi } from '../src/app.ts'
import type { Profile } from '../src/profile.ts'
import { appToken, userToken } from './tokens.ts'

const OBO = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const { alice, bob } = demo.users

async function stack(options: { withoutAdminConsent?: boolean } = {}) {
  const directory = await readDirectoryFile(defaultDirectoryPath)
  if (options.withoutAdminConsent) {
    const api = directory.apps.find((a) => a.appId === demo.apps.todoApi.clientId)
    if (api) api.adminConsentedScopes = []
  }
  const idp = await startDevIdp({ port: 0, directory })
  const api = await createTodoApi({
    port: 0,
    env: {
      AzureAd__Instance: `${idp.url}/`,
      DownstreamApis__Graph__BaseUrl: `${idp.url}/graph/v1.0`,
    },
  })
  return { idp, api }
}

const me = (api: TodoApi, token: string) =>
  fetch(`${api.url}/me`, { headers: { authorization: `Bearer ${token}` } })

describe('todo API: GET /me on behalf of the caller', () => {
  let idp: DevIdp
  let api: TodoApi
  before(async () => ({ idp, api } = await stack()))
  after(async () => {
    await api?.close()
    await idp?.close()
  })

  test('the caller as Graph knows them; the second call is served from the OBO cache', async () => {
    const token = await userToken(idp, alice, demo.apps.todoApi.scope)
    const first = await me(api, token)
    assert.equal(first.status, 200)
    const profile = (await first.json()) as Profile
    assert.equal(profile.displayName, alice.name)
    assert.equal(profile.userPrincipalName, alice.username)
    assert.equal(profile.via, 'on-behalf-of')
    assert.equal(idp.grantCount(OBO), 1)
    assert.equal((await me(api, token)).status, 200)
    assert.equal(idp.grantCount(OBO), 1, 'one exchange per incoming token')
    assert.equal(api.identity.onBehalfOfCache.size, 1)
    // Another caller, another exchange, naming that caller.
    const bobs = (await (
      await me(api, await userToken(idp, bob, demo.apps.todoApi.scope))
    ).json()) as Profile
    assert.equal(bobs.displayName, bob.name)
    assert.equal(idp.grantCount(OBO), 2)
  })

  test('an app token, a missing or a forged token: refused before any exchange', async () => {
    const before = idp.grantCount(OBO)
    const app = await me(api, await appToken(idp, demo.apps.todoApi.defaultScope))
    assert.equal(app.status, 403)
    assert.match(app.headers.get('www-authenticate') ?? '', /insufficient_scope/)
    assert.equal((await fetch(`${api.url}/me`)).status, 401)
    assert.equal((await me(api, 'eyJhbGciOiJub25lIn0.e30.')).status, 401)
    assert.equal(idp.grantCount(OBO), before)
  })
})

describe('todo API: GET /me as a multi-tenant API, for a caller from another tenant', () => {
  let idp: DevIdp
  let api: TodoApi
  const paths: string[] = []
  before(async () => {
    idp = await startDevIdp({
      port: 0,
      logger: (line) => {
        if (line.message === 'request') paths.push(`${line.fields?.method} ${line.fields?.path}`)
      },
    })
    api = await createTodoApi({
      port: 0,
      env: {
        AzureAd__Instance: `${idp.url}/`,
        AzureAd__TenantId: 'organizations',
        DownstreamApis__Graph__BaseUrl: `${idp.url}/graph/v1.0`,
      },
    })
  })
  after(async () => {
    await api?.close()
    await idp?.close()
  })

  test("the exchange happens in the caller's tenant", async () => {
    const carol = demo.users.carol
    const token = await userToken(idp, carol, demo.apps.todoApi.scope, demo.tenants.fabrikam.id)
    const res = await me(api, token)
    assert.equal(res.status, 200, await res.clone().text())
    assert.equal(((await res.json()) as Profile).displayName, carol.name)
    const exchanges = idp.grants.events().filter((g) => g.grantType === OBO)
    assert.deepEqual(
      exchanges.map((g) => g.tenantId),
      [demo.tenants.fabrikam.id],
    )
    // Sent to the caller's tenant itself, as Entra requires, not to /organizations.
    const tokenCalls = paths.filter((p) => p.startsWith('POST') && p.endsWith('/oauth2/v2.0/token'))
    assert.ok(
      tokenCalls.includes(`POST /${demo.tenants.fabrikam.id}/oauth2/v2.0/token`),
      `${tokenCalls}`,
    )
    assert.ok(!tokenCalls.some((p) => p.includes('/organizations/')), `${tokenCalls}`)
  })
})

describe('todo API: GET /me when the user has not consented to the API calling Graph', () => {
  let idp: DevIdp
  let api: TodoApi
  before(async () => ({ idp, api } = await stack({ withoutAdminConsent: true })))
  after(async () => {
    await api?.close()
    await idp?.close()
  })

  test('403 with WWW-Authenticate: interaction_required, proposed_action="consent"', async () => {
    const token = await userToken(idp, alice, demo.apps.todoApi.scope)
    const res = await me(api, token)
    assert.equal(res.status, 403)
    const challenge = res.headers.get('www-authenticate') ?? ''
    assert.match(challenge, /^Bearer realm="todo-api", error="interaction_required"/)
    assert.match(challenge, /proposed_action="consent"/)
    assert.doesNotMatch(challenge, /scope=/, "the API's Graph scopes are its own business")
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const body = (await res.json()) as Record<string, unknown>
    assert.equal(body.error, 'interaction_required')
    assert.equal(body.reason, 'consent_required')
    assert.doesNotMatch(JSON.stringify(body), /eyJ|AADSTS/, 'no token and no provider text')
    assert.equal(idp.grantCount(OBO), 0)
    // A refused exchange is not remembered: the next call asks the provider again.
    assert.equal((await me(api, token)).status, 403)
  })
})
