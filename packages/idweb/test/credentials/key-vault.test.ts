// A Key Vault certificate through the real Azure SDK client (@azure/keyvault-secrets). No vault
// is reachable here, so the SDK talks to a local HTTPS double of the Key Vault REST endpoints
// (`GET /secrets/{name}/`, with its bearer challenge); the token endpoint is the real dev IdP.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  type DevIdp,
  defaultDirectoryPath,
  demo,
  readDirectoryFile,
  startDevIdp,
} from '@idweb/dev-idp'
import { type CertificateAndKey, createCertificate } from '@idweb/dev-idp/testing'
import { isIdwebError } from '../../src/errors.ts'
import { createIdweb, type Idweb } from '../../src/web/idweb.ts'
import {
  certificateOnDisk,
  type Logged,
  makePfx,
  recordingLogger,
  type TestCertificate,
} from './test-certificates.ts'

const APP = 'a0000000-0000-4000-c000-0000000000d8'
const VAULT_TOKEN = 'a-token-for-the-vault'

describe('Key Vault certificates through the Azure SDK, against a local vault double', () => {
  let idp: DevIdp
  let vault: Server
  let vaultUrl = ''
  let tls: CertificateAndKey
  let dir: string
  let registered: TestCertificate
  let old: TestCertificate
  /** What the vault holds now: the base64 PFX of the newest version. */
  let current = { version: 'v1', value: '' }
  const reads: { auth: string | undefined; path: string }[] = []
  const opened: Idweb[] = []

  const pfxOf = (c: TestCertificate) =>
    readFileSync(makePfx(c, { password: '' })).toString('base64')

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idweb-kv-'))
    registered = certificateOnDisk(
      await createCertificate({ commonName: 'kv-new', keyType: 'rsa' }),
      dir,
    )
    old = certificateOnDisk(await createCertificate({ commonName: 'kv-old', keyType: 'rsa' }), dir)
    const directory = await readDirectoryFile(defaultDirectoryPath)
    directory.apps.push({
      appId: APP,
      displayName: 'Key Vault app',
      homeTenant: demo.tenants.contoso.id,
      signInAudience: 'AzureADMyOrg',
      certificates: [registered.certPem],
      appRoleAssignments: [{ resource: demo.apps.todoApi.identifierUri, roles: ['Todo.Read.All'] }],
    })
    idp = await startDevIdp({ port: 0, host: '127.0.0.1', directory })
    tls = await createCertificate({ commonName: 'localhost', altNames: ['localhost'] })
    vault = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://localhost')
      reads.push({ auth: req.headers.authorization, path: url.pathname })
      if (req.headers.authorization !== `Bearer ${VAULT_TOKEN}`) {
        // Key Vault's challenge: the SDK asks its credential for a token for this resource.
        res.writeHead(401, {
          'www-authenticate': `Bearer authorization="${idp.url}/${demo.tenants.contoso.id}", resource="https://localhost"`,
          'content-type': 'application/json',
        })
        res.end(JSON.stringify({ error: { code: 'Unauthorized', message: 'no token' } }))
        return
      }
      const match = /^\/secrets\/([^/]+)\/?$/.exec(url.pathname)
      if (match?.[1] !== 'web-app-cert') {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { code: 'SecretNotFound', message: 'not found' } }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          value: current.value,
          contentType: 'application/x-pkcs12',
          id: `${vaultUrl}/secrets/web-app-cert/${current.version}`,
          managed: true,
          attributes: { enabled: true },
        }),
      )
    })
    await new Promise<void>((resolve) => vault.listen(0, '127.0.0.1', resolve))
    vaultUrl = `https://localhost:${(vault.address() as AddressInfo).port}`
  })
  after(async () => {
    for (const o of opened) await o.close()
    await new Promise((resolve) => vault?.close(resolve))
    await idp?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function app(name: string, logs: Logged[] = []) {
    const logger = recordingLogger(logs)
    const idweb = createIdweb(
      {
        instance: `${idp.url}/`,
        tenantId: demo.tenants.contoso.id,
        clientId: APP,
        clientCredentials: [
          {
            sourceType: 'KeyVault',
            keyVaultUrl: vaultUrl,
            keyVaultCertificateName: name,
            // The vault's identity, the double's TLS root, and (the double not being under
            // vault.azure.net) the SDK's documented switch for a challenge from another domain.
            credential: {
              getToken: async () => ({
                token: VAULT_TOKEN,
                expiresOnTimestamp: Date.now() + 3_600_000,
              }),
            },
            clientOptions: {
              tlsOptions: { ca: tls.cert },
              retryOptions: { maxRetries: 0 },
              disableChallengeResourceVerification: true,
            },
          },
        ],
        allowInsecureHttp: true,
        session: { secrets: ['a-session-secret-for-key-vault-tests-01'] },
      },
      { env: {}, logger },
    )
    opened.push(idweb)
    return idweb
  }

  it('reads the certificate once, answers the challenge, and authenticates with it', async () => {
    current = { version: 'v1', value: pfxOf(registered) }
    reads.length = 0
    const idweb = app('web-app-cert')
    await idweb.ready()
    const token = await idweb.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
    const claims = JSON.parse(
      Buffer.from(token.accessToken.split('.')[1] ?? '', 'base64url').toString(),
    )
    assert.equal(claims.azp, APP)
    await idweb.acquirer.getTokenForApp(['https://graph.microsoft.com/.default']).catch(() => {})
    const authorized = reads.filter((r) => r.auth === `Bearer ${VAULT_TOKEN}`)
    assert.equal(authorized.length, 1, 'the loaded certificate is cached, not read per request')
    assert.ok(
      reads.some((r) => r.auth === undefined),
      "the SDK answered the vault's challenge",
    )
  })

  it('a certificate renewed in the vault is read again when the provider refuses the old one', async () => {
    current = { version: 'v1', value: pfxOf(old) }
    reads.length = 0
    const logged: Logged[] = []
    const idweb = app('web-app-cert', logged)
    await idweb.ready()
    current = { version: 'v2', value: pfxOf(registered) }
    await idweb.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
    assert.equal(reads.filter((r) => r.auth === `Bearer ${VAULT_TOKEN}`).length, 2)
    const logs = logged.map((l) => `${l.message} ${JSON.stringify(l.fields)}`)
    assert.ok(logs.some((l) => /loading it again/.test(l)))
    assert.ok(logs.some((l) => /read from Key Vault/.test(l) && /"version":"v2"/.test(l)))
    assert.ok(!logs.some((l) => /BEGIN|PRIVATE/.test(l)))
  })

  it('an unknown certificate name is a typed error naming the vault and the name', async () => {
    const idweb = app('no-such-cert')
    await assert.rejects(idweb.ready(), (err: unknown) => {
      assert.ok(isIdwebError(err, 'IDW_CREDENTIAL_INVALID'), String(err))
      assert.match(String(err), /has no certificate named "no-such-cert"/)
      return true
    })
  })

  it('a vault URL that is not https is refused at startup', () => {
    assert.throws(
      () =>
        createIdweb(
          {
            instance: `${idp.url}/`,
            tenantId: demo.tenants.contoso.id,
            clientId: APP,
            clientCredentials: [
              { sourceType: 'KeyVault', keyVaultUrl: 'http://v', keyVaultCertificateName: 'c' },
            ],
            allowInsecureHttp: true,
            session: { secrets: ['a-session-secret-for-key-vault-tests-01'] },
          },
          { env: {} },
        ),
      (err: unknown) => isIdwebError(err, 'IDW_CONFIG_INVALID') && /keyVaultUrl/.test(String(err)),
    )
  })
})
