import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { createDownstreamApis } from '../../src/downstream/downstream-apis.ts'
import { DownstreamApiError } from '../../src/downstream/errors.ts'
import type { DownstreamApis } from '../../src/downstream/types.ts'
import {
  acquirerWith,
  apiConfig,
  bearerOf,
  json,
  type LocalServer,
  localTokenEndpoint,
  seedUser,
  signedInUser,
  startServer,
} from './support.ts'

/**
 * A 401 `invalid_token` (a revoked token) gets exactly one forced refresh. The token endpoint here
 * is a controllable local fake: the real dev identity provider cannot revoke a token on demand.
 */
describe('downstream API 401 invalid_token: one forced refresh', () => {
  let idp: LocalServer
  let api: LocalServer
  let downstream: DownstreamApis
  /** Tokens the API accepts. */
  const accepted = new Set<string>()
  let issued = 0
  const user = signedInUser()

  before(async () => {
    idp = await startServer((req, res) => {
      const form = new URLSearchParams(req.body)
      if (req.url !== '/token' || form.get('grant_type') !== 'refresh_token') {
        return json(res, 400, { error: 'invalid_request' })
      }
      issued += 1
      json(res, 200, {
        access_token: `fresh-token-${issued}`,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'api://todo/access_as_user',
        refresh_token: `rt-${issued}`,
      })
    })
    api = await startServer((req, res) => {
      const token = bearerOf(req)
      if (token && accepted.has(token)) return json(res, 200, { hello: token })
      res.writeHead(401, {
        'www-authenticate':
          'Bearer error="invalid_token", error_description="The token was revoked"',
      })
      res.end()
    })
  })
  after(async () => {
    await idp.close()
    await api.close()
  })

  beforeEach(async () => {
    issued = 0
    accepted.clear()
    api.seen.length = 0
    idp.seen.length = 0
    const { acquirer, cache } = acquirerWith(async () => localTokenEndpoint(idp.origin))
    await seedUser(cache, 'revoked-token')
    downstream = createDownstreamApis({
      acquirer,
      apis: { TodoApi: apiConfig('TodoApi', `${api.origin}/`) },
    })
  })

  it('refreshes once and retries with the new token', async () => {
    accepted.add('fresh-token-1')
    assert.deepEqual(await downstream.call('TodoApi', user), { hello: 'fresh-token-1' })
    assert.equal(idp.seen.length, 1, 'one refresh at the token endpoint')
    assert.equal(new URLSearchParams(idp.seen[0]?.body).get('refresh_token'), 'rt-alice')
    assert.deepEqual(api.seen.map(bearerOf), ['revoked-token', 'fresh-token-1'])
  })

  it('gives up with the 401 when the refreshed token is refused too', async () => {
    const err = await downstream.call('TodoApi', user).catch((e) => e)
    assert.ok(err instanceof DownstreamApiError)
    assert.equal(err.downstreamStatus, 401)
    assert.equal(idp.seen.length, 1, 'exactly one refresh')
    assert.equal(api.seen.length, 2, 'exactly one retry')
    assert.ok(!err.message.includes('fresh-token-1') && !err.message.includes('revoked-token'))
  })

  it('does not retry a body that cannot be sent twice', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"a":1}'))
        c.close()
      },
    })
    const err = await downstream.call('TodoApi', user, { method: 'POST', body }).catch((e) => e)
    assert.ok(err instanceof DownstreamApiError)
    assert.equal(idp.seen.length, 0)
    assert.equal(api.seen.length, 1)
  })
})
