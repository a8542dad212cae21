import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import type { DevIdp } from '../src/index.ts'
import { demo, startIdp } from './helpers.ts'

const run = promisify(execFile)
const fixture = new URL('./fixtures/msal-client-credentials.mjs', import.meta.url).pathname
const oboFixture = new URL('./fixtures/msal-on-behalf-of.ts', import.meta.url).pathname
const repoRoot = new URL('../../..', import.meta.url).pathname
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

describe('--https and a real MSAL client', () => {
  let dir: string
  let idp: DevIdp
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dev-idp-https-'))
    idp = await startIdp({ https: { dir }, host: 'localhost' })
  })
  after(async () => {
    await idp.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps its CA under .dev-idp/ and reuses it on the next start', async () => {
    assert.match(idp.url, /^https:\/\/localhost:\d+$/)
    const ca = await readFile(join(dir, '.dev-idp', 'ca.pem'), 'utf8')
    assert.equal(ca, idp.caCert)
    const second = await startIdp({ https: { dir } })
    try {
      assert.equal(second.caCert, ca)
    } finally {
      await second.close()
    }
  })

  it('keeps the CA when only the server certificate is renewed (users trust the CA once)', async () => {
    const ca = await readFile(join(dir, '.dev-idp', 'ca.pem'), 'utf8')
    const oldServer = await readFile(join(dir, '.dev-idp', 'server.pem'), 'utf8')
    await rm(join(dir, '.dev-idp', 'server.pem'))
    const renewed = await startIdp({ https: { dir } })
    try {
      assert.equal(renewed.caCert, ca, 'the CA is not replaced')
      const server = await readFile(join(dir, '.dev-idp', 'server.pem'), 'utf8')
      assert.notEqual(server, oldServer, 'a new server certificate was issued')
      assert.ok(new X509Certificate(server).verify(new X509Certificate(ca).publicKey))
    } finally {
      await renewed.close()
    }
  })

  it('msal-node acquires a client-credentials token (NODE_EXTRA_CA_CERTS trusts the CA)', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        fixture,
        idp.authority(demo.tenants.contoso.id),
        demo.apps.daemon.clientId,
        demo.apps.daemon.clientSecret,
        demo.apps.todoApi.defaultScope,
      ],
      {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, '.dev-idp', 'ca.pem') },
        timeout: 20_000,
      },
    )
    const { claims, fromCache } = JSON.parse(stdout)
    assert.equal(claims.aud, demo.apps.todoApi.clientId)
    assert.deepEqual(claims.roles, ['Todo.Read.All'])
    assert.equal(claims.iss, idp.issuer(demo.tenants.contoso.id))
    assert.equal(fromCache, true)
    assert.equal(idp.grantCount('client_credentials'), 1)
  })

  it("an on-behalf-of token for https://graph.microsoft.com/User.Read hits msal-node's cache the second time", async () => {
    // msal-node finds a cached token by the response's `scope`, prefix included: the dev IdP
    // must answer the full form it was asked, as Entra does, or every call goes to the network.
    const graphScope = 'https://graph.microsoft.com/User.Read'
    idp.grants.reset()
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', oboFixture, idp.authority(demo.tenants.contoso.id), graphScope],
      {
        cwd: repoRoot,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, '.dev-idp', 'ca.pem') },
        timeout: 30_000,
      },
    )
    const { first, second, sameToken } = JSON.parse(stdout)
    assert.equal(first.fromCache, false)
    assert.equal(second.fromCache, true)
    assert.equal(sameToken, true)
    assert.equal(idp.grantCount(JWT_BEARER), 1, 'no second on-behalf-of token request')
    assert.equal(idp.grantCount('authorization_code'), 1)
    assert.equal(first.scopes.includes(graphScope), true, JSON.stringify(first.scopes))
  })
})
