import assert from 'node:assert/strict'
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { createCertificate } from '../src/testing/index.ts'
import { claimsOf, demo, demoDirectoryWith, discover, insecure, startIdp } from './helpers.ts'

const certApp = 'a0000000-0000-4000-c000-0000000000c1'
const certificate = await createCertificate({ commonName: 'cert-daemon', keyType: 'rsa' })
const x509 = new X509Certificate(certificate.cert)
const sha1 = createHash('sha1').update(x509.raw).digest('base64url')
const sha256 = createHash('sha256').update(x509.raw).digest('base64url')

async function signingKey(): Promise<CryptoKey> {
  const pkcs8 = createPrivateKey(certificate.key).export({ type: 'pkcs8', format: 'der' })
  return crypto.subtle.importKey(
    'pkcs8',
    pkcs8,
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  )
}

describe('client credentials', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    const directory = await demoDirectoryWith({
      appId: certApp,
      displayName: 'Certificate daemon',
      homeTenant: demo.tenants.contoso.id,
      signInAudience: 'AzureADMyOrg',
      certificates: [certificate.cert],
      appRoleAssignments: [{ resource: demo.apps.todoApi.identifierUri, roles: ['Todo.Read.All'] }],
    })
    idp = await startIdp({ directory })
    as = await discover(idp)
  })
  after(() => idp.close())

  it('issues an app-only token with a client secret: aud, roles, no scp', async () => {
    const client = { client_id: demo.apps.daemon.clientId }
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(demo.apps.daemon.clientSecret),
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    const tokens = await oauth.processClientCredentialsResponse(as, client, response)
    const at = claimsOf(tokens.access_token)
    assert.equal(at.aud, demo.apps.todoApi.clientId)
    assert.deepEqual(at.roles, ['Todo.Read.All'])
    assert.equal(at.scp, undefined)
    assert.equal(at.azp, demo.apps.daemon.clientId)
    assert.equal(at.idtyp, undefined, 'idtyp is an optional claim the todo API does not ask for')
    assert.equal(at.tid, demo.tenants.contoso.id)
    assert.equal(at.iss, idp.issuer(demo.tenants.contoso.id))
    assert.equal(idp.grantCount('client_credentials'), 1)
  })

  it('requires {resource}/.default (AADSTS1002012)', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: demo.apps.daemon.clientId },
      oauth.ClientSecretPost(demo.apps.daemon.clientSecret),
      { scope: demo.apps.todoApi.scope },
      insecure,
    )
    assert.equal(response.status, 400)
    const body = await response.json()
    assert.equal(body.error, 'invalid_scope')
    assert.deepEqual(body.error_codes, [1002012])
  })

  it('authenticates private_key_jwt by kid', async () => {
    const client = { client_id: certApp }
    const auth = oauth.PrivateKeyJwt({ key: await signingKey(), kid: sha1 })
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    const tokens = await oauth.processClientCredentialsResponse(as, client, response)
    assert.equal(claimsOf(tokens.access_token).azpacr, '2')
  })

  it('authenticates private_key_jwt by x5t#S256 (as MSAL sends it)', async () => {
    const client = { client_id: certApp }
    const auth = oauth.PrivateKeyJwt(await signingKey(), {
      [oauth.modifyAssertion]: (header) => {
        header['x5t#S256'] = sha256
      },
    })
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    const tokens = await oauth.processClientCredentialsResponse(as, client, response)
    assert.deepEqual(claimsOf(tokens.access_token).roles, ['Todo.Read.All'])
  })

  it('refuses an assertion naming an unregistered certificate (AADSTS700027)', async () => {
    const auth = oauth.PrivateKeyJwt(await signingKey(), {
      [oauth.modifyAssertion]: (header) => {
        header['x5t#S256'] = 'not-a-registered-thumbprint'
      },
    })
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: certApp },
      auth,
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    assert.equal(response.status, 401)
    const body = await response.json()
    assert.equal(body.error, 'invalid_client')
    assert.deepEqual(body.error_codes, [700027])
  })

  it('refuses a tampered or expired assertion signed with the registered certificate (AADSTS700027)', async () => {
    const key = createPrivateKey(certificate.key)
    const assertion = (exp: number) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', 'x5t#S256': sha256 })
        .setIssuer(certApp)
        .setSubject(certApp)
        .setAudience(String(as.token_endpoint))
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key)
    const request = (jwt: string) =>
      fetch(String(as.token_endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: demo.apps.todoApi.defaultScope,
          client_id: certApp,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        }),
      })
    const now = Math.floor(Date.now() / 1000)
    const valid = await assertion(now + 300)
    const [h, p = '', s] = valid.split('.')
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: now + 3000 })).toString('base64url')}.${s}`
    const expired = await assertion(now - 300)
    for (const [name, jwt] of [
      ['tampered', tampered],
      ['expired', expired],
    ] as const) {
      const res = await request(jwt)
      const body = await res.json()
      assert.equal(res.status, 401, name)
      assert.equal(body.error, 'invalid_client', name)
      assert.deepEqual(body.error_codes, [700027], name)
      assert.match(body.error_description, /^AADSTS700027: /, name)
      assert.equal(typeof body.correlation_id, 'string', name)
    }
    const control = await request(valid)
    assert.equal(control.status, 200, 'the untampered assertion is accepted')
  })

  it('refuses a wrong secret with invalid_client AADSTS7000215', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: demo.apps.daemon.clientId },
      oauth.ClientSecretPost('wrong'),
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    assert.equal(response.status, 401)
    const body = await response.json()
    assert.equal(body.error, 'invalid_client')
    assert.deepEqual(body.error_codes, [7000215])
    assert.match(body.error_description, /^AADSTS7000215: /)
  })

  it('answers an unknown client with AADSTS700016', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: 'b0000000-0000-4000-c000-000000000999' },
      oauth.ClientSecretPost('x'),
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    const body = await response.json()
    assert.equal(body.error, 'invalid_client')
    assert.deepEqual(body.error_codes, [700016])
  })

  it('refuses a single-tenant app in another tenant (AADSTS700016)', async () => {
    const fabrikam = await discover(idp, demo.tenants.fabrikam.id)
    const response = await oauth.clientCredentialsGrantRequest(
      fabrikam,
      { client_id: demo.apps.daemon.clientId },
      oauth.ClientSecretPost(demo.apps.daemon.clientSecret),
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    assert.deepEqual((await response.json()).error_codes, [700016])
  })
})
