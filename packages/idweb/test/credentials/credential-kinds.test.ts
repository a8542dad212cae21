// Every credential kind against the real dev IdP (which refuses what Entra refuses: an unknown
// certificate, one past its validity, a wrong secret), and the fallback and reload between them.
import assert from 'node:assert/strict'
import { createHash, randomUUID, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
import { createCertificate } from '@idweb/dev-idp/testing'
import { importPKCS8, SignJWT } from 'jose'
import type { IdwebOptions } from '../../src/config/options.ts'
import type { CredentialDescription } from '../../src/credentials/descriptions.ts'
import { isIdwebError, ProtocolError } from '../../src/errors.ts'
import { createIdweb } from '../../src/web/idweb.ts'
import {
  certificateOnDisk,
  type Logged,
  makePfx,
  recordingLogger,
  type TestCertificate,
} from './test-certificates.ts'

const APP = 'a0000000-0000-4000-c000-0000000000d7'
const SECRET = 'credential-kinds-secret-dev-only-0001'
const DAY = 86_400_000

describe('every credential kind authenticates at the dev IdP, with fallback and reload', () => {
  let idp: DevIdp
  let dir: string
  let valid: TestCertificate
  let second: TestCertificate
  let expired: TestCertificate
  let unregistered: TestCertificate
  const opened: { close(): Promise<void> }[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idweb-kinds-'))
    const rsa = (extra: Partial<Parameters<typeof createCertificate>[0]> = {}) =>
      createCertificate({ commonName: 'idweb-kinds', keyType: 'rsa', ...extra })
    valid = certificateOnDisk(await rsa(), dir)
    second = certificateOnDisk(await rsa(), dir)
    expired = certificateOnDisk(
      await rsa({
        notBefore: new Date(Date.now() - 30 * DAY),
        notAfter: new Date(Date.now() - DAY),
      }),
      dir,
    )
    unregistered = certificateOnDisk(await rsa(), dir)
    idp = await startIdp([])
  })
  /** The dev IdP, with the test app registered with these certificates besides the usual ones. */
  async function startIdp(extra: string[]): Promise<DevIdp> {
    const directory = await readDirectoryFile(defaultDirectoryPath)
    directory.apps.push({
      appId: APP,
      displayName: 'Credential kinds',
      homeTenant: demo.tenants.contoso.id,
      signInAudience: 'AzureADMyOrg',
      secrets: [SECRET],
      certificates: [valid.certPem, second.certPem, expired.certPem, ...extra],
      appRoleAssignments: [{ resource: demo.apps.todoApi.identifierUri, roles: ['Todo.Read.All'] }],
    })
    return startDevIdp({ port: 0, host: '127.0.0.1', directory })
  }
  after(async () => {
    for (const o of opened) await o.close()
    await idp?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function app(
    clientCredentials: CredentialDescription[],
    logs: Logged[] = [],
    extra: Partial<IdwebOptions> = {},
  ) {
    const idweb = createIdweb(
      {
        instance: `${idp.url}/`,
        tenantId: demo.tenants.contoso.id,
        clientId: APP,
        clientCredentials,
        allowInsecureHttp: true,
        session: { secrets: ['a-session-secret-for-credential-kinds-01'] },
        ...extra,
      },
      { env: {}, logger: recordingLogger(logs) },
    )
    opened.push(idweb)
    return idweb
  }
  const appToken = async (idweb: ReturnType<typeof app>) => {
    const token = await idweb.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
    const claims = JSON.parse(
      Buffer.from(token.accessToken.split('.')[1] ?? '', 'base64url').toString(),
    )
    assert.equal(claims.azp, APP)
    assert.deepEqual(claims.roles, ['Todo.Read.All'])
    return token
  }
  /** A client assertion as a platform would mint one: signed by a registered certificate. */
  async function assertion(c: { key: string }, ttlSeconds = 600): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', 'x5t#S256': thumbprint(valid.certPem) })
      .setIssuer(APP)
      .setSubject(APP)
      .setAudience(`${idp.url}/${demo.tenants.contoso.id}/oauth2/v2.0/token`)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(await importPKCS8(c.key, 'RS256'))
  }

  it('a client secret', async () => {
    await appToken(app([{ sourceType: 'ClientSecret', clientSecret: SECRET }]))
  })

  it('a PEM bundle, from a path, base64 and text', async () => {
    for (const c of [
      { sourceType: 'Path', certificateDiskPath: valid.bundlePath },
      {
        sourceType: 'Base64Encoded',
        base64EncodedValue: Buffer.from(`${valid.keyPem}${valid.certPem}`).toString('base64'),
      },
      { sourceType: 'Pem', certificatePem: valid.certPem, privateKeyPem: valid.keyPem },
    ] as const) {
      await appToken(app([c]))
    }
  })

  it('a PFX, from a path and as base64, with modern and legacy encryption', async () => {
    for (const encryption of ['aes', 'legacy'] as const) {
      const pfx = makePfx(valid, { encryption, password: 'pfx-pass' })
      await appToken(
        app([{ sourceType: 'Path', certificateDiskPath: pfx, certificatePassword: 'pfx-pass' }]),
      )
      const base64EncodedValue = readFileSync(pfx).toString('base64')
      await appToken(
        app([{ sourceType: 'Base64Encoded', base64EncodedValue, certificatePassword: 'pfx-pass' }]),
      )
    }
  })

  it('a signed assertion file, re-read when it is replaced, and a callback', async () => {
    const file = join(dir, 'federated-token')
    writeFileSync(file, await assertion({ key: valid.keyPem }))
    const fromFile = app([
      { sourceType: 'SignedAssertionFilePath', signedAssertionFileDiskPath: file },
    ])
    await appToken(fromFile)
    // The platform rotates the file: a garbage token now is refused, a fresh one accepted.
    writeFileSync(file, 'not.a.jwt')
    await assert.rejects(
      fromFile.acquirer.getTokenForApp(['api://a0000000-0000-4000-c000-000000000003/.default']),
    )
    writeFileSync(file, await assertion({ key: valid.keyPem }))
    await appToken(
      app([{ sourceType: 'SignedAssertionFilePath', signedAssertionFileDiskPath: file }]),
    )
    let calls = 0
    await appToken(
      app([
        {
          sourceType: 'SignedAssertion',
          getAssertion: async () => {
            calls++
            return assertion({ key: valid.keyPem })
          },
        },
      ]),
    )
    assert.equal(calls, 1)
  })

  it('an unregistered certificate is invalid_client with a clear, typed error and no secret', async () => {
    const logs: Logged[] = []
    const idweb = app([{ sourceType: 'Path', certificateDiskPath: unregistered.bundlePath }], logs)
    await assert.rejects(appToken(idweb), (err: unknown) => {
      assert.ok(err instanceof ProtocolError, String(err))
      assert.equal(err.code, 'IDW_CREDENTIAL_INVALID')
      assert.equal(err.error, 'invalid_client')
      assert.deepEqual(err.errorCodes, [700027])
      assert.match(err.message, /clientCredentials\[0\] \(Path\) refused by the identity provider/)
      assert.match(err.message, /AADSTS700027/)
      return true
    })
    const warned = logs.find((l) => /skipped/.test(l.message))
    assert.equal(warned?.fields?.thumbprint, thumbprintHex(unregistered.certPem))
    assert.doesNotMatch(JSON.stringify(logs), /PRIVATE KEY|BEGIN/)
  })

  it('a wrong secret then a certificate: the fallback is used, and stays in use', async () => {
    const logs: Logged[] = []
    const idweb = app(
      [
        { sourceType: 'ClientSecret', clientSecret: 'a-wrong-secret-that-is-long-enough' },
        { sourceType: 'Path', certificateDiskPath: valid.bundlePath },
      ],
      logs,
    )
    await appToken(idweb)
    const skipped = logs.filter((l) => /skipped/.test(l.message))
    assert.equal(skipped.length, 1)
    assert.equal(skipped[0]?.fields?.setting, 'clientCredentials[0]')
    assert.match(String(skipped[0]?.fields?.reason), /AADSTS7000215|invalid_client|secret/i)
    assert.doesNotMatch(JSON.stringify(logs), /a-wrong-secret/)
    // Another scope, another request: the secret is not tried again.
    const before = idp.grantCount('client_credentials')
    await idweb.acquirer.getTokenForApp(['https://graph.microsoft.com/.default']).catch(() => {})
    assert.equal(logs.filter((l) => /skipped/.test(l.message)).length, 1)
    assert.ok(idp.grantCount('client_credentials') >= before)
  })

  it('an expired certificate first is skipped locally at startup, with the reason logged', async () => {
    const logs: Logged[] = []
    const idweb = app(
      [
        { sourceType: 'Path', certificateDiskPath: expired.bundlePath },
        { sourceType: 'Path', certificateDiskPath: second.bundlePath },
      ],
      logs,
    )
    const startup = logs.find((l) => /skipped at startup/.test(l.message))
    assert.equal(startup?.fields?.setting, 'clientCredentials[0]')
    assert.match(String(startup?.fields?.reason), /expired since/)
    await appToken(idweb)
  })

  it('a certificate that expires while in use: the provider refuses it (AADSTS700027), the next one works', async () => {
    // Made here, not with the others: it must still be valid when this test starts.
    const shortLived = await createCertificate({
      commonName: 'idweb-kinds',
      keyType: 'rsa',
      notAfter: new Date(Date.now() + 4_000),
    })
    const own = await startIdp([shortLived.cert])
    opened.push(own)
    const logs: Logged[] = []
    const idweb = app(
      [
        { sourceType: 'Pem', certificatePem: shortLived.cert, privateKeyPem: shortLived.key },
        { sourceType: 'Path', certificateDiskPath: second.bundlePath },
      ],
      logs,
      { instance: `${own.url}/` },
    )
    await appToken(idweb)
    assert.ok(!logs.some((l) => /skipped/.test(l.message)), 'the short-lived certificate was used')
    // Past its notAfter (and the dev IdP's view of it): X.509 times have whole seconds.
    const left = Date.parse(new X509Certificate(shortLived.cert).validTo) - Date.now()
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, left) + 1500))
    await idweb.acquirer.getTokenForApp(['https://graph.microsoft.com/.default'])
    const refused = logs.find((l) => /refused the client credential/.test(l.message))
    assert.match(String(refused?.fields?.reason), /AADSTS700027|expired/)
    const skipped = logs.find((l) => /skipped/.test(l.message))
    assert.match(String(skipped?.fields?.reason), /expired since/)
    assert.ok(
      logs.some(
        (l) =>
          l.message === 'client credential in use' && l.fields?.setting === 'clientCredentials[1]',
      ),
    )
  })

  it('a renewed certificate file is picked up when the provider refuses the old one', async () => {
    const logs: Logged[] = []
    const path = join(dir, 'renewed.pem')
    writeFileSync(path, `${unregistered.keyPem}${unregistered.certPem}`)
    const idweb = app([{ sourceType: 'Path', certificateDiskPath: path }], logs)
    // Renewed on disk after startup: the app was started with the old one.
    writeFileSync(path, `${valid.keyPem}${valid.certPem}`)
    await appToken(idweb)
    assert.ok(logs.some((l) => /loading it again/.test(l.message)))
    assert.ok(!logs.some((l) => /skipped/.test(l.message)))
  })

  it('no credential loads: startup fails naming every entry', () => {
    assert.throws(
      () =>
        app([
          { sourceType: 'Path', certificateDiskPath: join(dir, 'missing.pem') },
          { sourceType: 'ClientSecret', clientSecret: '' },
        ]),
      (err: unknown) =>
        isIdwebError(err, 'IDW_CONFIG_INVALID') &&
        /none of the 2 credentials/.test(String(err)) &&
        /clientCredentials\[0\]/.test(String(err)) &&
        /clientCredentials\[1\]/.test(String(err)),
    )
  })
})

function thumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url')
}
function thumbprintHex(pem: string): string {
  return new X509Certificate(pem).fingerprint.replaceAll(':', '')
}
