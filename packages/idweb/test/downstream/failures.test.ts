import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { createDownstreamApis } from '../../src/downstream/downstream-apis.ts'
import { DownstreamApiError } from '../../src/downstream/errors.ts'
import type { DownstreamApis } from '../../src/downstream/types.ts'
import { InteractionRequiredError, isIdwebError } from '../../src/errors.ts'
import { captureLogger } from '../api/support/capture-logger.ts'
import {
  acquirerWith,
  apiConfig,
  bearerOf,
  json,
  type LocalServer,
  seedUser,
  signedInUser,
  startServer,
} from './support.ts'

/** Opaque, like the access tokens of Microsoft accounts: only knowing the token can redact it. */
const TOKEN = 'EwBwA8l6BAAU.opaque-access-token_0123456789abcdefghijklmnopqrstuvwxyz'
/** Some other JWT an API might dump in an error page. */
const OTHER_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXNlY3JldA'
const CLAIMS = { access_token: { nbf: { essential: true, value: '1604106651' } } }
const CLAIMS_B64 = Buffer.from(JSON.stringify(CLAIMS)).toString('base64')

/** Waits `ms`, or less if the caller goes away first: an abandoned call holds nothing up. */
function pause(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    res.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

describe('downstream API failures (local API, cached tokens, no provider)', () => {
  let api: LocalServer
  let other: LocalServer
  let downstream: DownstreamApis
  const logger = captureLogger()
  const user = signedInUser()

  before(async () => {
    other = await startServer((_req, res) => json(res, 200, { stolen: true }))
    api = await startServer(async (req, res) => {
      switch (new URL(req.url, 'http://x').pathname) {
        case '/slow':
          await new Promise((r) => setTimeout(r, 1_000))
          return json(res, 200, {})
        case '/slower':
          // Far beyond the 100 ms timeout and its wall-clock bound below.
          await pause(3_000, res)
          return res.destroyed ? undefined : json(res, 200, {})
        case '/slow-body':
          res.writeHead(200, { 'content-type': 'application/json' })
          res.write('[')
          await new Promise((r) => setTimeout(r, 1_000))
          return void res.end(']')
        case '/boom':
          // A careless API echoing the caller's token in its error page.
          res.writeHead(500, { 'content-type': 'text/plain' })
          return void res.end(
            `database on\r\n\tfire\u0000 (${req.headers.authorization}) ${OTHER_JWT}\n${'x'.repeat(10_000)}`,
          )
        case '/claims':
          res.writeHead(401, {
            'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="${CLAIMS_B64}"`,
          })
          return void res.end()
        case '/bad-claims':
          res.writeHead(401, {
            'www-authenticate': 'Bearer error="insufficient_claims", claims="bm90IGpzb24="',
          })
          return void res.end('nope')
        case '/redirect':
          res.writeHead(302, { location: `${other.origin}/steal` })
          return void res.end()
        default:
          return json(res, 200, { ok: true })
      }
    })
    const { acquirer, cache } = acquirerWith(undefined, logger)
    await seedUser(cache, TOKEN)
    downstream = createDownstreamApis({
      acquirer,
      logger,
      apis: {
        // Generous: a loaded machine must not time out the calls that test something else.
        TodoApi: apiConfig('TodoApi', `${api.origin}/`, { timeoutMs: 5_000 }),
        // The same API with a short timeout, for the tests of the timeout itself.
        TightApi: apiConfig('TightApi', `${api.origin}/`, { timeoutMs: 100 }),
      },
    })
  })
  after(async () => {
    await api.close()
    await other.close()
  })

  it('turns a slow answer into IDW_TIMEOUT', async () => {
    const started = Date.now()
    await assert.rejects(downstream.call('TightApi', user, { relativePath: 'slower' }), (err) =>
      isIdwebError(err, 'IDW_TIMEOUT'),
    )
    assert.ok(Date.now() - started < 1_800, 'the timeout did not cut the call short')
  })

  it('keeps the timeout running while the body is read', async () => {
    await assert.rejects(downstream.call('TightApi', user, { relativePath: 'slow-body' }), (err) =>
      isIdwebError(err, 'IDW_TIMEOUT'),
    )
  })

  it('lets a per-call timeout lengthen the configured one', async () => {
    assert.deepEqual(
      await downstream.call('TightApi', user, { relativePath: 'slow', timeoutMs: 3_000 }),
      {},
    )
  })

  it("rethrows the caller's abort as is, not as a timeout", async () => {
    const controller = new AbortController()
    const call = downstream.call('TodoApi', user, {
      relativePath: 'slow',
      timeoutMs: 3_000,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('client went away')), 20)
    await assert.rejects(call, (err) => {
      assert.ok(!isIdwebError(err))
      assert.equal((err as Error).message, 'client went away')
      return true
    })
  })

  it('reports an error status with the status and a short excerpt, never the token', async () => {
    const err = await downstream.call('TodoApi', user, { relativePath: 'boom' }).catch((e) => e)
    assert.ok(err instanceof DownstreamApiError)
    assert.equal(err.code, 'IDW_DOWNSTREAM_API_ERROR')
    assert.equal(err.downstreamStatus, 500)
    assert.equal(err.status, 502)
    assert.equal(err.apiName, 'TodoApi')
    assert.match(err.bodyExcerpt, /database on fire/)
    assert.ok(err.bodyExcerpt.length <= 301)
    for (const text of [err.message, err.bodyExcerpt, String(err.stack), logger.text()]) {
      assert.ok(!text.includes(TOKEN), 'the access token leaked')
      assert.ok(!text.includes(TOKEN.slice(0, 40)), 'part of the access token leaked')
      assert.ok(!text.includes(OTHER_JWT.split('.')[1]!), 'a JWT in the body leaked')
    }
  })

  it('logs the API name, status and duration of each call, without tokens', () => {
    const call = logger.lines.find(
      (l) => l.message === 'downstream API call' && l.fields?.status === 500,
    )
    assert.ok(call, 'no log line for the failed call')
    assert.equal(call.fields?.api, 'TodoApi')
    assert.equal(typeof call.fields?.durationMs, 'number')
  })

  it('turns a 401 claims challenge into InteractionRequiredError with the decoded claims', async () => {
    const before = api.seen.length
    const err = await downstream.call('TodoApi', user, { relativePath: 'claims' }).catch((e) => e)
    assert.ok(err instanceof InteractionRequiredError)
    assert.equal(err.code, 'IDW_INTERACTION_REQUIRED')
    assert.equal(err.reason, 'claims_challenge')
    assert.deepEqual(JSON.parse(err.claims ?? ''), CLAIMS)
    assert.deepEqual(err.scopes, ['api://todo/access_as_user'])
    assert.equal(api.seen.length, before + 1, 'a claims challenge must not be retried silently')
  })

  it('treats a claims challenge whose claims are not base64 JSON as an ordinary 401', async () => {
    const err = await downstream
      .call('TodoApi', user, { relativePath: 'bad-claims' })
      .catch((e) => e)
    assert.ok(err instanceof DownstreamApiError)
    assert.equal(err.downstreamStatus, 401)
  })

  it('does not follow a redirect, so the token never reaches another host', async () => {
    const err = await downstream.call('TodoApi', user, { relativePath: 'redirect' }).catch((e) => e)
    assert.ok(err instanceof DownstreamApiError)
    assert.equal(err.downstreamStatus, 302)
    assert.equal(other.seen.length, 0)
  })

  it('an API that is down: IDW_DOWNSTREAM_UNAVAILABLE naming it and the system error, not "fetch failed"', async () => {
    const down = await startServer((_req, res) => json(res, 200, {}))
    await down.close()
    const { acquirer, cache } = acquirerWith(undefined, logger)
    await seedUser(cache, TOKEN)
    const apis = { TodoApi: apiConfig('TodoApi', `${down.origin}/`) }
    const err = await createDownstreamApis({ acquirer, logger, apis })
      .call('TodoApi', user, { relativePath: 'todos' })
      .catch((e) => e)
    assert.ok(isIdwebError(err, 'IDW_DOWNSTREAM_UNAVAILABLE'), String(err))
    assert.equal(err.status, 502)
    assert.equal(
      err.message,
      `DownstreamApis.TodoApi: cannot reach ${down.origin}: ECONNREFUSED; is the API running, and is its BaseUrl right?`,
    )
  })

  it('sends the token only to the API', () => {
    assert.ok(api.seen.every((r) => bearerOf(r) === TOKEN))
  })
})
