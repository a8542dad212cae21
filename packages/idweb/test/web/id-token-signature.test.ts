// The ID token's signature and keys, through the real sign-in callback, against a provider that
// signs what each test asks (the dev IdP cannot be made to forge): see support/test-op.ts.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, afterEach, before, describe, it, mock } from 'node:test'
import { type CryptoKey, exportSPKI, importJWK, SignJWT } from 'jose'
import { type OpHarness, opHarness, refused } from './support/op-harness.ts'
import { makeKey, startTestOp, type TestOp, type TokenRequest } from './support/test-op.ts'

const b64u = (value: string | Uint8Array) => Buffer.from(value).toString('base64url')

/** A compact JWS with any header and signature: how an attacker writes tokens no key signed. */
function rawJws(header: Record<string, unknown>, claims: object, signature: Uint8Array | string) {
  return `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}.${b64u(signature)}`
}

describe('ID token signatures and keys, through the callback', () => {
  let op: TestOp

  before(async () => {
    op = await startTestOp()
  })
  after(() => op.close())
  afterEach(() => {
    op.reset()
    mock.timers.reset()
  })

  /** A fresh app (fresh key cache) whose token endpoint answers with `idToken(request)`. */
  async function signInWith(
    idToken: (request: TokenRequest) => Promise<string> | string,
    h: OpHarness = opHarness(op),
  ): Promise<Response> {
    op.onToken = async (request) => ({
      ...(await op.answer(request)),
      id_token: await idToken(request),
    })
    return h.signIn()
  }

  it('alg: none → rejected', async () => {
    const res = await signInWith((r) => rawJws({ alg: 'none', typ: 'JWT' }, op.claims(r), ''))
    await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
  })

  it('HS256 signed with the provider’s RSA public key as the secret → rejected', async () => {
    const pem = await exportSPKI((await importJWK(op.key.publicJwk, 'RS256')) as CryptoKey)
    assert.match(pem, /BEGIN PUBLIC KEY/)
    const secrets = [pem, `${pem}\n`, JSON.stringify(op.key.publicJwk)].map((text) =>
      new TextEncoder().encode(text),
    )
    for (const secret of secrets) {
      const res = await signInWith((r) =>
        new SignJWT(op.claims(r))
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: op.key.kid })
          .sign(secret),
      )
      await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
    }
  })

  it('corrupted signature → rejected', async () => {
    const res = await signInWith(async (r) => {
      const [header, payload, signature = ''] = (await op.sign(op.claims(r))).split('.')
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`
      return `${header}.${payload}.${flipped}`
    })
    await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
  })

  it('ES256 with zero r and s → rejected', async () => {
    const ec = await makeKey('ES256', 'ec-key')
    op.published = [op.key, ec]
    const res = await signInWith((r) =>
      rawJws({ alg: 'ES256', typ: 'JWT', kid: ec.kid }, op.claims(r), new Uint8Array(64)),
    )
    await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
    // The same key signing for real is accepted: the refusal was the zero signature.
    const good = await signInWith((r) => op.sign(op.claims(r), { key: ec }))
    assert.equal(good.status, 303)
  })

  it('jku, x5u and jwk headers are never followed: a token signed by the attacker’s key is rejected', async () => {
    const attacker = await makeKey('RS256', 'attacker-key')
    let attackerHits = 0
    const evil = createServer((_req, res) => {
      attackerHits++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [attacker.publicJwk] }))
    })
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/keys`
    try {
      for (const header of [
        { jku: evilUrl },
        { x5u: evilUrl },
        { jwk: attacker.publicJwk },
        { jwk: attacker.publicJwk, kid: op.key.kid },
      ]) {
        const res = await signInWith((r) => op.sign(op.claims(r), { key: attacker, header }))
        await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
      }
      assert.equal(attackerHits, 0, 'the attacker’s URLs were never fetched')
    } finally {
      evil.close()
    }
  })

  it('an unknown crit header → rejected', async () => {
    const res = await signInWith((r) =>
      new SignJWT(op.claims(r))
        .setProtectedHeader({
          alg: 'RS256',
          kid: op.key.kid,
          crit: ['urn:example:x'],
          'urn:example:x': 1,
        })
        .sign(op.key.privateKey, { crit: { 'urn:example:x': true } }),
    )
    await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
  })

  it('an unknown kid → at most one key refetch per cooldown, then rejected', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() })
    const h = opHarness(op)
    const start = op.hitsOf(op.jwksPath)
    assert.equal((await signInWith((r) => op.sign(op.claims(r)), h)).status, 303)
    assert.equal((await signInWith((r) => op.sign(op.claims(r)), h)).status, 303)
    const fetched = op.hitsOf(op.jwksPath)
    assert.equal(fetched, start + 1, 'the keys are fetched once and cached')
    const ghost = await makeKey('RS256', 'ghost')
    for (let i = 0; i < 3; i++) {
      const res = await signInWith((r) => op.sign(op.claims(r), { key: ghost }), h)
      await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
    }
    assert.equal(op.hitsOf(op.jwksPath), fetched, 'no refetch within the cooldown')
    mock.timers.tick(61_000)
    for (let i = 0; i < 3; i++) {
      const res = await signInWith((r) => op.sign(op.claims(r), { key: ghost }), h)
      await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
    }
    assert.equal(op.hitsOf(op.jwksPath), fetched + 1, 'one refetch once the cooldown passed')
  })

  it('keys rotated between two logins → the second works after one refetch', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() })
    const h = opHarness(op)
    const before = op.hitsOf(op.jwksPath)
    assert.equal((await signInWith((r) => op.sign(op.claims(r)), h)).status, 303)
    const rotated = await makeKey('RS256', 'key-2')
    op.key = rotated
    op.published = [rotated]
    mock.timers.tick(61_000)
    const second = await signInWith((r) => op.sign(op.claims(r)), h)
    assert.equal(second.status, 303, await second.clone().text())
    assert.equal(op.hitsOf(op.jwksPath), before + 2, 'exactly one refetch')
  })

  it('a 1 MB ID token → refused unread, in bounded time', async () => {
    const t0 = performance.now()
    const res = await signInWith(async (r) =>
      op.sign({ ...op.claims(r), padding: 'x'.repeat(1_000_000) }),
    )
    await refused(res, 502, 'IDW_PROTOCOL_ERROR')
    assert.ok(performance.now() - t0 < 3000)
  })

  it('a key set of 10,000 keys → refused by the size bound; allowed by a larger bound, the login still takes bounded time', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ ...op.key.publicJwk, kid: `k${i}` }))
    op.route(op.jwksPath, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [...many, op.key.publicJwk] }))
    })
    const t0 = performance.now()
    await refused(await signInWith((r) => op.sign(op.claims(r))), 502, 'IDW_PROTOCOL_ERROR')
    assert.ok(performance.now() - t0 < 3000)
    const roomy = opHarness(op, { app: { provider: { maxResponseBytes: 16 * 1024 * 1024 } } })
    const t1 = performance.now()
    const res = await signInWith((r) => op.sign(op.claims(r)), roomy)
    assert.equal(res.status, 303, await res.clone().text())
    assert.ok(performance.now() - t1 < 5000)
  })
})
