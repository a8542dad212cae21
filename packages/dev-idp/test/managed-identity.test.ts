// The managed identity endpoint (App Service's protocol) and federated identity credentials: an
// app that trusts a managed identity accepts that identity's token as its client assertion.
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createRemoteJWKSet, exportJWK, jwtVerify, SignJWT } from 'jose'
import type { DevIdp } from '../src/index.ts'
import { claimsOf, demo, demoDirectoryWith, startIdp } from './helpers.ts'

const FEDERATED_APP = 'a0000000-0000-4000-c000-0000000000f1'
const SYSTEM = {
  clientId: 'c0000000-0000-4000-8000-000000000001',
  principalId: 'c0000000-0000-4000-8000-0000000000a1',
}
const USER_ASSIGNED = {
  clientId: 'c0000000-0000-4000-8000-000000000002',
  principalId: 'c0000000-0000-4000-8000-0000000000a2',
  resourceId:
    '/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/worker',
}
const EXCHANGE = 'api://AzureADTokenExchange'
const tenant = demo.tenants.contoso.id

/** An external issuer (say, a CI system's OIDC): discovery and JWKS on a local server. */
async function externalIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'ext-1', alg: 'RS256', use: 'sig' }
  let url = ''
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/keys` }))
    } else if (req.url === '/keys') {
      res.end(JSON.stringify({ keys: [jwk] }))
    } else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const sign = (claims: Record<string, unknown>, exp: number | string = '10m') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'ext-1' })
      .setIssuer(url)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(privateKey)
  return { url: () => url, sign, close: () => new Promise((done) => server.close(done)) }
}

describe('managed identities and federated identity credentials', () => {
  let idp: DevIdp
  let external: Awaited<ReturnType<typeof externalIssuer>>
  before(async () => {
    external = await externalIssuer()
    const directory = await demoDirectoryWith({
      appId: FEDERATED_APP,
      displayName: 'Federated worker',
      homeTenant: tenant,
      signInAudience: 'AzureADMyOrg',
      federatedIdentityCredentials: [
        {
          name: 'worker-identity',
          issuer: `{origin}/${tenant}/v2.0`,
          subject: USER_ASSIGNED.principalId,
          audiences: [EXCHANGE],
        },
        {
          name: 'ci',
          issuer: external.url(),
          subject: 'repo:contoso/app:ref:refs/heads/main',
          audiences: [EXCHANGE],
        },
      ],
      appRoleAssignments: [{ resource: demo.apps.todoApi.identifierUri, roles: ['Todo.Read.All'] }],
    })
    directory.managedIdentities = [
      { ...SYSTEM, tenant, displayName: 'web host', type: 'SystemAssigned' },
      { ...USER_ASSIGNED, tenant, displayName: 'worker' },
    ]
    idp = await startIdp({ directory })
  })
  after(async () => {
    await idp?.close()
    await external?.close()
  })

  const miToken = (
    query: Record<string, string>,
    header = idp.managedIdentityEnv.IDENTITY_HEADER,
  ) =>
    fetch(`${idp.managedIdentityEnv.IDENTITY_ENDPOINT}?${new URLSearchParams(query)}`, {
      headers: { 'x-identity-header': header },
    })
  const exchangeToken = async (resource = EXCHANGE, identity = USER_ASSIGNED.clientId) => {
    const response = await miToken({ 'api-version': '2019-08-01', resource, client_id: identity })
    assert.equal(response.status, 200)
    return ((await response.json()) as { access_token: string }).access_token
  }
  const appToken = (assertion: string, clientId = FEDERATED_APP) =>
    fetch(`${idp.authority(tenant)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        scope: demo.apps.todoApi.defaultScope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    })
  const refusal = async (response: Response) => {
    assert.equal(response.status, 401)
    const body = (await response.json()) as { error: string; error_codes: number[] }
    assert.equal(body.error, 'invalid_client')
    return body
  }

  it('issues a token for the system-assigned identity, signed with the tenant keys', async () => {
    const response = await miToken({ 'api-version': '2019-08-01', resource: EXCHANGE })
    assert.equal(response.status, 200)
    const body = (await response.json()) as Record<string, string>
    assert.equal(body.token_type, 'Bearer')
    assert.equal(body.resource, EXCHANGE)
    assert.equal(body.client_id, SYSTEM.clientId)
    assert.ok(Number(body.expires_on) > Date.now() / 1000 + 3600)
    const discovery = await fetch(`${idp.issuer(tenant)}/.well-known/openid-configuration`)
    const { jwks_uri: jwksUri } = (await discovery.json()) as { jwks_uri: string }
    const jwks = createRemoteJWKSet(new URL(jwksUri))
    const { payload } = await jwtVerify(String(body.access_token), jwks, {
      issuer: idp.issuer(tenant),
      audience: 'fb60f99c-7a34-4190-8149-302f77469936',
    })
    assert.equal(payload.sub, SYSTEM.principalId)
    assert.equal(payload.oid, SYSTEM.principalId)
    assert.equal(payload.azp, SYSTEM.clientId)
    assert.equal(payload.idtyp, 'app')
  })

  it('chooses a user-assigned identity by client id, principal id or resource id', async () => {
    const queries: Record<string, string>[] = [
      { client_id: USER_ASSIGNED.clientId },
      { principal_id: USER_ASSIGNED.principalId },
      { mi_res_id: USER_ASSIGNED.resourceId },
    ]
    for (const query of queries) {
      const response = await miToken({ 'api-version': '2019-08-01', resource: EXCHANGE, ...query })
      assert.equal(response.status, 200, JSON.stringify(query))
      const token = ((await response.json()) as { access_token: string }).access_token
      assert.equal(claimsOf(token).sub, USER_ASSIGNED.principalId)
      assert.equal(claimsOf(token).xms_mirid, USER_ASSIGNED.resourceId)
    }
  })

  it('refuses a wrong identity header, api-version, resource or identity, never with a 500', async () => {
    const cases: Array<[Response, number, RegExp]> = [
      [
        await miToken({ 'api-version': '2019-08-01', resource: EXCHANGE }, 'wrong'),
        401,
        /X-IDENTITY-HEADER/,
      ],
      [await miToken({ 'api-version': '2017-09-01', resource: EXCHANGE }), 400, /api-version/],
      [await miToken({ 'api-version': '2019-08-01' }), 400, /resource/],
      [
        await miToken({ 'api-version': '2019-08-01', resource: 'api://nobody' }),
        400,
        /No resource/,
      ],
      [
        await miToken({
          'api-version': '2019-08-01',
          resource: EXCHANGE,
          client_id: FEDERATED_APP,
        }),
        400,
        /No managed identity/,
      ],
      [
        await miToken({
          'api-version': '2019-08-01',
          resource: EXCHANGE,
          client_id: USER_ASSIGNED.clientId,
          principal_id: USER_ASSIGNED.principalId,
        }),
        400,
        /one of/,
      ],
    ]
    for (const [response, status, message] of cases) {
      assert.equal(response.status, status)
      const body = (await response.json()) as { message: string }
      assert.match(body.message, message)
      assert.doesNotMatch(JSON.stringify(body), /access_token/)
    }
  })

  it('the identity header is random per start, and stable only for an explicit seed', async () => {
    const others = await Promise.all([
      startIdp(),
      startIdp({ seed: 'mi-test-seed' }),
      startIdp({ seed: 'mi-test-seed' }),
    ])
    try {
      const [unseeded, seeded, again] = others.map((o) => o.managedIdentityEnv.IDENTITY_HEADER)
      assert.notEqual(unseeded, idp.managedIdentityEnv.IDENTITY_HEADER)
      assert.equal(seeded, again)
      assert.match(String(unseeded), /^[A-Za-z0-9_-]{43}$/)
    } finally {
      await Promise.all(others.map((o) => o.close()))
    }
  })

  it('a trusted identity token authenticates the app: an app token with its roles', async () => {
    const response = await appToken(await exchangeToken())
    assert.equal(response.status, 200)
    const { access_token: token } = (await response.json()) as { access_token: string }
    const claims = claimsOf(token)
    assert.equal(claims.azp, FEDERATED_APP)
    assert.equal(claims.aud, demo.apps.todoApi.clientId)
    assert.deepEqual(claims.roles, ['Todo.Read.All'])
  })

  it('an external issuer found through its discovery document is trusted the same way', async () => {
    const assertion = await external.sign({
      sub: 'repo:contoso/app:ref:refs/heads/main',
      aud: EXCHANGE,
    })
    assert.equal((await appToken(assertion)).status, 200)
  })

  it('an identity the app does not trust, or a token for another audience: AADSTS70021', async () => {
    const system = await exchangeToken(EXCHANGE, SYSTEM.clientId)
    assert.deepEqual((await refusal(await appToken(system))).error_codes, [70021])
    const graph = await exchangeToken(demo.graph.resource)
    assert.deepEqual((await refusal(await appToken(graph))).error_codes, [70021])
    const otherBranch = await external.sign({
      sub: 'repo:contoso/app:ref:refs/heads/dev',
      aud: EXCHANGE,
    })
    const body = await refusal(await appToken(otherBranch))
    assert.deepEqual(body.error_codes, [70021])
    // The app that is not federated at all: its own assertion rules apply, and it is refused.
    await refusal(await appToken(await exchangeToken(), demo.apps.daemon.clientId))
  })

  it('an expired assertion is AADSTS700024; one signed by a stranger is AADSTS50013', async () => {
    const stale = await external.sign(
      { sub: 'repo:contoso/app:ref:refs/heads/main', aud: EXCHANGE },
      Math.floor(Date.now() / 1000) - 600,
    )
    assert.deepEqual((await refusal(await appToken(stale))).error_codes, [700024])
    // Claims of the trusted identity, signed with someone else's key.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const forged = await new SignJWT({ aud: EXCHANGE })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setIssuer(idp.issuer(tenant))
      .setSubject(USER_ASSIGNED.principalId)
      .setExpirationTime('10m')
      .sign(privateKey)
    assert.deepEqual((await refusal(await appToken(forged))).error_codes, [50013])
  })
})
