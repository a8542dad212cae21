// JWKS fetching behaviour, observed by counting requests on the controllable test issuer
// (./support/test-issuer.ts): cooldown on unknown kids, rotation, size limits, outages.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { toErrorResponse } from '../../src/api/index.ts'
import { assertRefused, validatorFor } from './support/assertions.ts'
import { captureLogger } from './support/capture-logger.ts'
import {
  bearer,
  makeKey,
  type SigningKey,
  startTestIssuer,
  type TestIssuer,
} from './support/test-issuer.ts'

describe('bearer validation: the issuer keys', () => {
  let issuer: TestIssuer
  let original: SigningKey
  before(async () => {
    issuer = await startTestIssuer()
    original = issuer.key
  })
  after(() => issuer.close())
  beforeEach(() => {
    issuer.hits.clear()
    issuer.key = original
    issuer.published = [original]
  })

  it('refetches at most once per cooldown for unknown kids, then refuses them', async () => {
    // Long enough that what must fall inside it does on a loaded machine.
    const validator = validatorFor(issuer, { jwksCooldownMs: 1500 })
    const stranger = await makeKey('RS256', 'unknown-kid')
    await validator.authenticate(bearer(await issuer.sign()))
    assert.equal(issuer.hitsOf('/jwks'), 1)

    const forged = await issuer.sign({}, { key: stranger })
    // Inside the cooldown that follows the first fetch: no refetch at all.
    await assertRefused(validator.authenticate(bearer(forged)), 'unknown_key')
    assert.equal(issuer.hitsOf('/jwks'), 1)

    await sleep(1600)
    // After the cooldown: a burst of unknown kids shares exactly one refetch...
    const burst = await Promise.allSettled(
      Array.from({ length: 20 }, () => validator.authenticate(bearer(forged))),
    )
    assert.ok(burst.every((r) => r.status === 'rejected'))
    assert.equal(issuer.hitsOf('/jwks'), 2)
    // ...and the next ones inside the new cooldown cause none.
    await assertRefused(validator.authenticate(bearer(forged)), 'unknown_key')
    assert.equal(issuer.hitsOf('/jwks'), 2)
  })

  it('accepts a rotated key after exactly one refetch', async () => {
    const validator = validatorFor(issuer, { jwksCooldownMs: 200 })
    await validator.authenticate(bearer(await issuer.sign()))
    const next = await makeKey('RS256', 'key-2')
    issuer.published = [next]
    issuer.key = next
    await sleep(250)
    const principal = await validator.authenticate(bearer(await issuer.sign()))
    assert.equal(principal.tid, '72f988bf-86f1-41af-91ab-2d7cd011db47')
    await validator.authenticate(bearer(await issuer.sign()))
    assert.equal(issuer.hitsOf('/jwks'), 2)
  })

  it('refuses a JWKS of 10,000 keys quickly, as an outage (503), not as a bad token', async () => {
    const ec = await makeKey('ES256', 'ec')
    const body = JSON.stringify({
      keys: Array.from({ length: 10_000 }, (_, i) => ({ ...ec.publicJwk, kid: `k${i}` })),
    })
    issuer.route('/jwks-huge', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
    })
    const logger = captureLogger()
    const validator = validatorFor(issuer, { jwksUri: `${issuer.origin}/jwks-huge`, logger })
    const started = performance.now()
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign())),
      'keys_unavailable',
      503,
    )
    assert.ok(performance.now() - started < 2_000)
    assert.match(logger.text(), /limit/)
    issuer.route('/jwks-huge', (_req, res) => void res.writeHead(404).end())
  })

  it('refuses a JWKS over the key-count limit even when it is small in bytes', async () => {
    const keys = await Promise.all([1, 2, 3].map((i) => makeKey('ES256', `ec-${i}`)))
    issuer.published = [original, ...keys]
    const validator = validatorFor(issuer, { maxJwksKeys: 3 })
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign())),
      'keys_unavailable',
      503,
    )
    const roomy = validatorFor(issuer, { maxJwksKeys: 4 })
    await roomy.authenticate(bearer(await issuer.sign()))
  })

  it('stops reading a streamed JWKS at the byte limit', async () => {
    let written = 0
    issuer.route('/jwks-stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }) // chunked, no content-length
      res.write('{"keys":[')
      const timer = setInterval(() => {
        if (res.destroyed || written > 8 * 1024 * 1024) return clearInterval(timer)
        const chunk = `${JSON.stringify({ kty: 'oct', k: 'x'.repeat(60_000) })},`
        written += chunk.length
        res.write(chunk)
      }, 1)
      res.on('close', () => clearInterval(timer))
    })
    const validator = validatorFor(issuer, {
      jwksUri: `${issuer.origin}/jwks-stream`,
      maxJwksBytes: 65_536,
    })
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign())),
      'keys_unavailable',
      503,
    )
    assert.ok(
      written < 4 * 1024 * 1024,
      `the server wrote ${written} bytes before the reader gave up`,
    )
  })

  it('answers 503 with a clear description, and logs it, when the JWKS endpoint fails', async () => {
    issuer.route('/jwks-broken', (_req, res) => void res.writeHead(500).end('oops'))
    const logger = captureLogger()
    const validator = validatorFor(issuer, { jwksUri: `${issuer.origin}/jwks-broken`, logger })
    const token = await issuer.sign()
    const error = await assertRefused(
      validator.authenticate(bearer(token)),
      'keys_unavailable',
      503,
    )
    const response = toErrorResponse(error)
    assert.equal(response.headers.get('www-authenticate'), null)
    const body = (await response.json()) as { error: string; error_description: string }
    assert.equal(body.error, 'temporarily_unavailable')
    assert.match(body.error_description, /signing keys/)
    assert.ok(logger.lines.some((l) => l.level === 'error' && /JWKS/.test(l.message)))
    assert.ok(!logger.text().includes(token.split('.')[2]!), 'the token must never be logged')
  })

  it('answers 503 when the JWKS endpoint does not answer within the timeout', async () => {
    issuer.route('/jwks-slow', () => {}) // never answers
    const validator = validatorFor(issuer, {
      jwksUri: `${issuer.origin}/jwks-slow`,
      httpTimeoutMs: 200,
    })
    const started = performance.now()
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign())),
      'keys_unavailable',
      503,
    )
    assert.ok(performance.now() - started < 2_000)
  })

  it('answers 503 when nothing listens at the JWKS address', async () => {
    const validator = validatorFor(issuer, { jwksUri: 'http://127.0.0.1:9/jwks' })
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign())),
      'keys_unavailable',
      503,
    )
  })
})
