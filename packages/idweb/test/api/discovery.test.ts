// Discovery against the controllable test issuer (./support/test-issuer.ts), counting requests.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createBearerValidator } from '../../src/api/index.ts'
import { assertRefused } from './support/assertions.ts'
import { captureLogger } from './support/capture-logger.ts'
import {
  bearer,
  CLIENT_ID,
  issuerOf,
  OTHER_TENANT,
  startTestIssuer,
  type TestIssuer,
} from './support/test-issuer.ts'

const DISCOVERY = '/.well-known/openid-configuration'

describe('bearer validation through discovery', () => {
  let issuer: TestIssuer
  before(async () => {
    issuer = await startTestIssuer()
  })
  after(() => issuer.close())
  beforeEach(() => issuer.hits.clear())

  it('reads discovery and the JWKS once for a burst of requests (single flight)', async () => {
    const validator = createBearerValidator({
      discoveryUrl: issuer.discoveryUrl,
      clientId: CLIENT_ID,
    })
    const token = await issuer.sign()
    await Promise.all(Array.from({ length: 25 }, () => validator.authenticate(bearer(token))))
    await validator.authenticate(bearer(token))
    assert.equal(issuer.hitsOf(DISCOVERY), 1)
    assert.equal(issuer.hitsOf('/jwks'), 1)
  })

  it("uses the document's issuer template when none is configured", async () => {
    const validator = createBearerValidator({
      discoveryUrl: issuer.discoveryUrl,
      clientId: CLIENT_ID,
    })
    const other = await issuer.sign({ iss: issuerOf(OTHER_TENANT), tid: OTHER_TENANT })
    await validator.authenticate(bearer(other))
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign({ iss: 'https://elsewhere' }))),
      'issuer',
    )
  })

  it('refuses to trust a document naming another issuer than the configured one (503, logged)', async () => {
    const logger = captureLogger()
    const validator = createBearerValidator({
      discoveryUrl: issuer.discoveryUrl,
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0/',
      clientId: CLIENT_ID,
      logger,
    })
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign())),
      'keys_unavailable',
      503,
    )
    assert.match(logger.text(), /names issuer/)
    assert.equal(issuer.hitsOf('/jwks'), 0)
  })

  it('remembers a failure for the cooldown, then retries', async () => {
    let fail = true
    issuer.route('/flaky-discovery', (_req, res) => {
      if (fail) return void res.writeHead(503).end()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
          jwks_uri: issuer.jwksUri,
        }),
      )
    })
    const validator = createBearerValidator({
      discoveryUrl: `${issuer.origin}/flaky-discovery`,
      clientId: CLIENT_ID,
      // Long enough that the second attempt falls inside it on a loaded machine.
      jwksCooldownMs: 1500,
    })
    const token = await issuer.sign()
    await assertRefused(validator.authenticate(bearer(token)), 'keys_unavailable', 503)
    await assertRefused(validator.authenticate(bearer(token)), 'keys_unavailable', 503)
    assert.equal(issuer.hitsOf('/flaky-discovery'), 1)
    fail = false
    await sleep(1600)
    await validator.authenticate(bearer(token))
    assert.equal(issuer.hitsOf('/flaky-discovery'), 2)
  })

  it('refuses a discovery document that points the JWKS at plain http off loopback', async () => {
    issuer.route('/evil-discovery', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ issuer: 'https://idp.example', jwks_uri: 'http://evil.example/keys' }),
      )
    })
    const validator = createBearerValidator({
      discoveryUrl: `${issuer.origin}/evil-discovery`,
      clientId: CLIENT_ID,
    })
    await assertRefused(
      validator.authenticate(bearer(await issuer.sign())),
      'keys_unavailable',
      503,
    )
  })
})
