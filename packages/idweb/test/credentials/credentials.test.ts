import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { decodeJwt, decodeProtectedHeader, importX509, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { createClientCredential } from '../../src/credentials/client-credential.ts'
import { resolveCredential } from '../../src/credentials/resolve-credential.ts'
import type { Secret } from '../../src/credentials/secret.ts'
import { isIdwebError } from '../../src/errors.ts'
import type { LogFields, Logger } from '../../src/logger.ts'
import {
  makeCertificate,
  makePfx,
  opensslThumbprintSha256,
  type TestCertificate,
} from './test-certificates.ts'

const name = (f: string) => `clientCredentials[0].${f}`

// A local token endpoint that records what the client sent.
let server: ReturnType<typeof createServer>
let base = ''
const seen: { headers: IncomingMessage['headers']; body: URLSearchParams }[] = []
before(async () => {
  server = createServer((req, res) => {
    let data = ''
    req.on('data', (c) => (data += c))
    req.on('end', () => {
      seen.push({ headers: req.headers, body: new URLSearchParams(data) })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => server.close())

function as(): oauth.AuthorizationServer {
  return { issuer: `${base}/tenant/v2.0`, token_endpoint: `${base}/tenant/oauth2/v2.0/token` }
}
const client: oauth.Client = { client_id: 'client-1' }

async function send(clientAuth: oauth.ClientAuth) {
  seen.length = 0
  await oauth.clientCredentialsGrantRequest(
    as(),
    client,
    clientAuth,
    { scope: 'api://x/.default' },
    {
      [oauth.allowInsecureRequests]: true,
    },
  )
  const last = seen.at(-1)
  assert.ok(last)
  return last
}

describe('client secret', () => {
  test('client_secret_post sends client_id and client_secret in the body', async () => {
    const resolved = resolveCredential(
      { sourceType: 'ClientSecret', clientSecret: 's3cr3t value' },
      { name },
    )
    const credential = createClientCredential(resolved)
    assert.equal(credential.authMethod, 'client_secret_post')
    const req = await send(credential.clientAuth)
    assert.equal(req.body.get('client_id'), 'client-1')
    assert.equal(req.body.get('client_secret'), 's3cr3t value')
    assert.equal(req.headers.authorization, undefined)
  })

  test('client_secret_basic sends an Authorization: Basic header and no secret in the body', async () => {
    const resolved = resolveCredential(
      { sourceType: 'ClientSecret', clientSecret: 's3cr3t', authMethod: 'client_secret_basic' },
      { name },
    )
    const req = await send(createClientCredential(resolved).clientAuth)
    assert.equal(req.body.get('client_secret'), null)
    // RFC 6749 2.3.1: id and secret are form-encoded before base64.
    const [scheme, value] = (req.headers.authorization ?? '').split(' ')
    assert.equal(scheme, 'Basic')
    const [id, secret] = Buffer.from(value ?? '', 'base64')
      .toString()
      .split(':')
      .map(decodeURIComponent)
    assert.deepEqual([id, secret], ['client-1', 's3cr3t'])
  })

  test('an empty or placeholder secret is refused, naming the setting', () => {
    for (const clientSecret of [
      '',
      '   ',
      '[Copy the client secret added to the app from the Azure portal]',
    ]) {
      assert.throws(
        () => resolveCredential({ sourceType: 'ClientSecret', clientSecret }, { name }),
        (e: unknown) =>
          isIdwebError(e, 'IDW_CONFIG_INVALID') &&
          /clientCredentials\[0\]\.clientSecret/.test(String(e)) &&
          /Certificates & secrets/.test(String(e)),
      )
    }
  })

  test('the secret does not print', () => {
    const resolved = resolveCredential(
      { sourceType: 'ClientSecret', clientSecret: 'hunter2-hunter2' },
      { name },
    )
    assert.ok(!JSON.stringify(resolved).includes('hunter2'))
    assert.ok(!`${(resolved as { secret: Secret }).secret}`.includes('hunter2'))
  })
})

describe('certificate', () => {
  let cert: TestCertificate
  let other: TestCertificate
  before(() => {
    cert = makeCertificate()
    other = makeCertificate()
  })
  after(() => {
    cert.cleanup()
    other.cleanup()
  })

  test('private_key_jwt carries x5t#S256 equal to the thumbprint openssl computes, signed by the key', async () => {
    const resolved = resolveCredential(
      { sourceType: 'Path', certificateDiskPath: cert.bundlePath },
      { name },
    )
    const credential = createClientCredential(resolved)
    assert.equal(credential.authMethod, 'private_key_jwt')
    const req = await send(credential.clientAuth)
    assert.equal(
      req.body.get('client_assertion_type'),
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    )
    const assertion = req.body.get('client_assertion') ?? ''
    const header = decodeProtectedHeader(assertion)
    assert.equal(header['x5t#S256'], opensslThumbprintSha256(cert.certPem, cert.dir))
    assert.equal(header.alg, 'PS256')
    assert.equal(header.x5c, undefined)
    const { payload } = await jwtVerify(assertion, await importX509(cert.certPem, 'PS256'))
    assert.equal(payload.iss, 'client-1')
    assert.equal(payload.sub, 'client-1')
    assert.equal(payload.aud, as().token_endpoint)
  })

  test('sendX5c adds the certificate chain', async () => {
    const resolved = resolveCredential(
      { sourceType: 'Pem', certificatePem: cert.certPem, privateKeyPem: cert.keyPem },
      { name, sendX5c: true },
    )
    const req = await send(createClientCredential(resolved).clientAuth)
    const header = decodeProtectedHeader(req.body.get('client_assertion') ?? '')
    const der = cert.certPem.replace(/-----[A-Z ]+-----|\s/g, '')
    assert.deepEqual(header.x5c, [der])
  })

  test('Base64Encoded PEM works; audience can be the issuer', async () => {
    const b64 = Buffer.from(`${cert.keyPem}${cert.certPem}`).toString('base64')
    const resolved = resolveCredential(
      { sourceType: 'Base64Encoded', base64EncodedValue: b64 },
      { name },
    )
    const req = await send(
      createClientCredential(resolved, { assertionAudience: 'issuer' }).clientAuth,
    )
    assert.equal(decodeJwt(req.body.get('client_assertion') ?? '').aud, as().issuer)
  })

  test('EC P-256 certificates sign ES256', async () => {
    const ec = makeCertificate({ keyAlg: 'ec' })
    try {
      const resolved = resolveCredential(
        { sourceType: 'Pem', certificatePem: ec.certPem, privateKeyPem: ec.keyPem },
        { name },
      )
      const req = await send(createClientCredential(resolved).clientAuth)
      assert.equal(decodeProtectedHeader(req.body.get('client_assertion') ?? '').alg, 'ES256')
    } finally {
      ec.cleanup()
    }
  })

  test('a private key that does not match the certificate is refused', () => {
    assert.throws(
      () =>
        resolveCredential(
          { sourceType: 'Pem', certificatePem: cert.certPem, privateKeyPem: other.keyPem },
          { name },
        ),
      (e: unknown) =>
        isIdwebError(e, 'IDW_CONFIG_INVALID') &&
        /does not match the certificate/.test(String(e)) &&
        /certificatePem/.test(String(e)),
    )
  })

  for (const encryption of ['aes', 'legacy', '3des', 'none'] as const) {
    test(`a PFX (${encryption} encryption) from a path and as base64 signs with its key`, async () => {
      const pfx = makePfx(cert, { encryption, password: encryption === 'none' ? '' : 'p@ss w0rd' })
      const password = encryption === 'none' ? undefined : 'p@ss w0rd'
      for (const description of [
        { sourceType: 'Path', certificateDiskPath: pfx, certificatePassword: password },
        {
          sourceType: 'Base64Encoded',
          base64EncodedValue: readFileSync(pfx).toString('base64'),
          certificatePassword: password,
        },
      ] as const) {
        const resolved = resolveCredential(description, { name })
        assert.equal(resolved.kind, 'certificate')
        const req = await send(createClientCredential(resolved).clientAuth)
        const assertion = req.body.get('client_assertion') ?? ''
        assert.equal(
          decodeProtectedHeader(assertion)['x5t#S256'],
          opensslThumbprintSha256(cert.certPem, cert.dir),
        )
        await jwtVerify(assertion, await importX509(cert.certPem, 'PS256'))
      }
    })
  }

  test('a Key Vault-style PFX (empty password) opens without a CertificatePassword', () => {
    const pfx = makePfx(cert, { password: '' })
    const resolved = resolveCredential(
      { sourceType: 'Base64Encoded', base64EncodedValue: readFileSync(pfx).toString('base64') },
      { name },
    )
    assert.equal(resolved.kind, 'certificate')
  })

  test('an EC certificate in a PFX signs ES256', async () => {
    const ec = makeCertificate({ keyAlg: 'ec' })
    try {
      const pfx = makePfx(ec, { password: 'pw' })
      const resolved = resolveCredential(
        { sourceType: 'Path', certificateDiskPath: pfx, certificatePassword: 'pw' },
        { name },
      )
      const req = await send(createClientCredential(resolved).clientAuth)
      assert.equal(decodeProtectedHeader(req.body.get('client_assertion') ?? '').alg, 'ES256')
    } finally {
      ec.cleanup()
    }
  })

  test('a wrong PFX password, a PFX without key and garbage are refused, naming the setting', () => {
    const pfx = makePfx(cert, { password: 'right' })
    for (const password of ['wrong', undefined]) {
      assert.throws(
        () =>
          resolveCredential(
            { sourceType: 'Path', certificateDiskPath: pfx, certificatePassword: password },
            { name },
          ),
        (e: unknown) =>
          isIdwebError(e, 'IDW_CONFIG_INVALID') &&
          /certificateDiskPath/.test(String(e)) &&
          /check CertificatePassword/.test(String(e)) &&
          !String(e).includes('right'),
      )
    }
    const keyless = makePfx(cert, { password: 'pw', withoutKey: true })
    assert.throws(
      () =>
        resolveCredential(
          { sourceType: 'Path', certificateDiskPath: keyless, certificatePassword: 'pw' },
          { name },
        ),
      /holds no private key/,
    )
    for (const bytes of [Buffer.from([0x30, 0x82, 0x01]), Buffer.from('not a certificate')]) {
      assert.throws(
        () =>
          resolveCredential(
            { sourceType: 'Base64Encoded', base64EncodedValue: bytes.toString('base64') },
            { name },
          ),
        (e: unknown) =>
          isIdwebError(e, 'IDW_CONFIG_INVALID') && /base64EncodedValue/.test(String(e)),
      )
    }
  })

  test('a missing file and a PEM without key are refused', () => {
    assert.throws(
      () =>
        resolveCredential(
          { sourceType: 'Path', certificateDiskPath: '/nonexistent/cert.pem' },
          { name },
        ),
      /does not exist/,
    )
    const b64 = Buffer.from(cert.certPem).toString('base64')
    assert.throws(
      () => resolveCredential({ sourceType: 'Base64Encoded', base64EncodedValue: b64 }, { name }),
      /no private key/,
    )
  })

  test('an expired certificate loads but logs a warning', () => {
    const warnings: string[] = []
    const logger: Logger = {
      debug() {},
      info() {},
      error() {},
      warn: (m: string, _f?: LogFields) => void warnings.push(m),
    }
    resolveCredential(
      { sourceType: 'Path', certificateDiskPath: cert.bundlePath },
      { name, logger, now: Date.now() + 400 * 86_400_000 },
    )
    assert.ok(warnings.some((w) => /expired/.test(w)))
  })
})

describe('signed assertion', () => {
  test('the file is re-read for every request (rotation)', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'idweb-sa-'))
    const file = join(dir, 'token')
    try {
      writeFileSync(file, 'a.b.c\n')
      const resolved = resolveCredential(
        { sourceType: 'SignedAssertionFilePath' },
        { name, env: { AZURE_FEDERATED_TOKEN_FILE: file } },
      )
      const credential = createClientCredential(resolved)
      assert.equal((await send(credential.clientAuth)).body.get('client_assertion'), 'a.b.c')
      writeFileSync(file, 'd.e.f')
      assert.equal((await send(credential.clientAuth)).body.get('client_assertion'), 'd.e.f')
      writeFileSync(file, '')
      await assert.rejects(send(credential.clientAuth), (e: unknown) =>
        isIdwebError(e, 'IDW_CREDENTIAL_INVALID'),
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('without a path or AZURE_FEDERATED_TOKEN_FILE it is refused', () => {
    assert.throws(
      () => resolveCredential({ sourceType: 'SignedAssertionFilePath' }, { name, env: {} }),
      /AZURE_FEDERATED_TOKEN_FILE/,
    )
  })
})
