// Signature and header attacks against createBearerValidator, using the controllable test issuer
// in ./support/test-issuer.ts to forge tokens a real identity provider would never issue.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import { assertRefused, validatorFor } from './support/assertions.ts'
import {
  b64u,
  bearer,
  defaultClaims,
  makeKey,
  startTestIssuer,
  type TestIssuer,
} from './support/test-issuer.ts'

describe('bearer validation: signatures and JOSE headers', () => {
  let issuer: TestIssuer
  before(async () => {
    issuer = await startTestIssuer()
  })
  after(() => issuer.close())

  it('accepts a well-formed token from the issuer (the baseline the attacks below mutate)', async () => {
    const validator = validatorFor(issuer)
    const principal = await validator.authenticate(bearer(await issuer.sign()))
    assert.equal(principal.tid, '72f988bf-86f1-41af-91ab-2d7cd011db47')
    assert.deepEqual([...principal.scopes], ['Todo.Read', 'Todo.Write'])
  })

  it('refuses alg "none" (unsecured JWT)', async () => {
    const header = b64u(JSON.stringify({ alg: 'none', typ: 'JWT' }))
    const payload = b64u(JSON.stringify(defaultClaims()))
    // An empty third segment is not even a JWS for the header parser; try both shapes.
    await assertRefused(
      validatorFor(issuer).authenticate(bearer(`${header}.${payload}.`)),
      'malformed_token',
    )
    await assertRefused(
      validatorFor(issuer).authenticate(bearer(`${header}.${payload}.${b64u('x')}`)),
      'algorithm',
    )
  })

  it('refuses HS256 signed with the RSA public key as the HMAC secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(issuer.key.publicJwk))
    const token = await new SignJWT(defaultClaims())
      .setProtectedHeader({ alg: 'HS256', kid: issuer.key.kid })
      .sign(secret)
    await assertRefused(validatorFor(issuer).authenticate(bearer(token)), 'algorithm')
  })

  it('refuses a corrupted signature', async () => {
    const token = await issuer.sign()
    const [h, p, s] = token.split('.') as [string, string, string]
    const bytes = Buffer.from(s, 'base64url')
    bytes[10] = (bytes[10] ?? 0) ^ 0x01
    await assertRefused(
      validatorFor(issuer).authenticate(bearer(`${h}.${p}.${b64u(bytes)}`)),
      'signature',
    )
  })

  it('refuses an altered payload under the original signature', async () => {
    const [h, , s] = (await issuer.sign()).split('.') as [string, string, string]
    const forged = b64u(JSON.stringify({ ...defaultClaims(), scp: 'Todo.Admin' }))
    await assertRefused(
      validatorFor(issuer).authenticate(bearer(`${h}.${forged}.${s}`)),
      'signature',
    )
  })

  it('refuses ES256 with r = s = 0 (the "psychic signature")', async () => {
    const ec = await makeKey('ES256', 'ec-1')
    issuer.published = [issuer.key, ec]
    try {
      const validator = validatorFor(issuer)
      const good = await issuer.sign({}, { key: ec })
      await validator.authenticate(bearer(good)) // the key itself works
      const [h, p] = good.split('.') as [string, string]
      const zero = b64u(new Uint8Array(64))
      await assertRefused(validator.authenticate(bearer(`${h}.${p}.${zero}`)), 'signature')
    } finally {
      issuer.published = [issuer.key]
    }
  })

  it('never fetches jku or x5u, and never trusts an embedded jwk', async () => {
    const attacker = await makeKey('RS256', 'attacker')
    issuer.route('/attacker-jwks', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [attacker.publicJwk] }))
    })
    const validator = validatorFor(issuer, { jwksCooldownMs: 0 })
    const header = {
      jku: `${issuer.origin}/attacker-jwks`,
      x5u: `${issuer.origin}/attacker-x5u`,
      jwk: attacker.publicJwk,
    }
    // Signed by the attacker under its own kid, and under the issuer's kid.
    const ownKid = await issuer.sign({}, { key: attacker, header })
    const stolenKid = await issuer.sign({}, { key: { ...attacker, kid: issuer.key.kid }, header })
    await assertRefused(validator.authenticate(bearer(ownKid)), 'unknown_key')
    await assertRefused(validator.authenticate(bearer(stolenKid)), 'signature')
    assert.equal(issuer.hitsOf('/attacker-jwks'), 0)
    assert.equal(issuer.hitsOf('/attacker-x5u'), 0)
  })

  it('refuses a token marking an unknown header critical', async () => {
    const token = await issuer.sign(
      {},
      {
        header: { crit: ['urn:example:ext'], 'urn:example:ext': 1 },
        crit: { 'urn:example:ext': true },
      },
    )
    await assertRefused(validatorFor(issuer).authenticate(bearer(token)), 'critical_header')
  })

  it('refuses an algorithm outside the configured list even when the key would verify it', async () => {
    const validator = validatorFor(issuer, { algorithms: ['ES256'] })
    await assertRefused(validator.authenticate(bearer(await issuer.sign())), 'algorithm')
  })
})
