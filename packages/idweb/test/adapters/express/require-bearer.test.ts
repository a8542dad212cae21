// requireBearer through Express. Tokens are signed with jose by the controllable test issuer of the
// API-side tests (a JWKS and discovery document on 127.0.0.1 that signs whatever a test asks for,
// forged and edge-case tokens included); a real provider cannot issue those on demand.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, test } from 'node:test'
import express from 'express'
import { requireBearer } from '../../../src/adapters/express/index.ts'
import { createBearerValidator } from '../../../src/api/index.ts'
import { CLIENT_ID, startTestIssuer, type TestIssuer } from '../../api/support/test-issuer.ts'
import { type Listening, listen } from './support.ts'

describe('requireBearer', () => {
  let issuer: TestIssuer
  let server: Listening

  before(async () => {
    issuer = await startTestIssuer()
    const validator = createBearerValidator({
      discoveryUrl: issuer.discoveryUrl,
      clientId: CLIENT_ID,
    })
    const app = express()
    app.get(
      '/todos',
      requireBearer(validator, { scopes: ['Todo.Read'], realm: 'todo-api' }),
      (req, res) => {
        res.json({ oid: req.auth?.oid, scopes: [...(req.auth?.scopes ?? [])] })
      },
    )
    app.get('/admin', requireBearer(validator, { roles: ['Todo.Admin'] }), (_req, res) => {
      res.send('admin')
    })
    app.get(
      '/either',
      requireBearer(validator, { scopes: ['Todo.Admin'], roles: ['Todo.Read.All'] }),
      (_req, res) => {
        res.send('either')
      },
    )
    app.get('/throws', requireBearer(validator), () => {
      throw new Error('handler failure after a valid token')
    })
    app.use(((_err, _req, res, _next) => {
      res.status(500).send('handler error reached the app')
    }) as express.ErrorRequestHandler)
    server = await listen(app)
  })
  after(async () => {
    await Promise.all([server.close(), issuer.close()])
  })

  const get = (path: string, authorization?: string) =>
    fetch(`${server.url}${path}`, {
      redirect: 'manual',
      ...(authorization === undefined ? {} : { headers: { authorization } }),
    })

  test('lets a valid token through and sets req.auth', async () => {
    const res = await get('/todos', `Bearer ${await issuer.sign()}`)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), {
      oid: '00000000-0000-0000-0000-00000000a11c',
      scopes: ['Todo.Read', 'Todo.Write'],
    })
  })

  test('answers a missing header with 401 and a bare Bearer challenge', async () => {
    const res = await get('/todos')
    assert.equal(res.status, 401)
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="todo-api"')
  })

  for (const [name, value] of [
    ['empty', ''],
    ['two-segment', 'Bearer a.b'],
    ['10 KB of junk', `Bearer ${'x'.repeat(10_240)}`],
    ['badly spaced', 'Bearer  a.b.c'],
  ] as const) {
    test(`answers a malformed header (${name}) with 401 and WWW-Authenticate, never 500`, async () => {
      const res = await get('/todos', value)
      assert.equal(res.status, 401)
      assert.match(
        res.headers.get('www-authenticate') ?? '',
        /^Bearer realm="todo-api"(, error="invalid_(request|token)")?/,
      )
    })
  }

  test('refuses a duplicated Authorization header (401 invalid_request), even with valid tokens', async () => {
    const token = await issuer.sign()
    const { status, challenge } = await new Promise<{ status: number; challenge: string }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: server.port,
            path: '/todos',
            headers: [
              'Host',
              `127.0.0.1:${server.port}`,
              'Authorization',
              `Bearer ${token}`,
              'Authorization',
              `Bearer ${token}`,
            ],
          },
          (res) => {
            res.resume()
            resolve({
              status: res.statusCode ?? 0,
              challenge: String(res.headers['www-authenticate']),
            })
          },
        )
        req.on('error', reject)
        req.end()
      },
    )
    assert.equal(status, 401)
    assert.match(challenge, /error="invalid_request"/)
  })

  test('answers an expired or foreign-audience token with 401 invalid_token', async () => {
    const now = Math.floor(Date.now() / 1000)
    for (const claims of [
      { exp: now - 3600, iat: now - 7200, nbf: now - 7200 },
      { aud: 'api://someone-else' },
    ]) {
      const res = await get('/todos', `Bearer ${await issuer.sign(claims)}`)
      assert.equal(res.status, 401)
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
    }
  })

  test('answers a missing scope with 403 insufficient_scope naming the scope', async () => {
    const res = await get('/todos', `Bearer ${await issuer.sign({ scp: 'Todo.Write' })}`)
    assert.equal(res.status, 403)
    const challenge = res.headers.get('www-authenticate') ?? ''
    assert.match(challenge, /error="insufficient_scope"/)
    assert.match(challenge, /scope="Todo.Read"/)
    assert.equal(((await res.json()) as { error: string }).error, 'insufficient_scope')
  })

  test('requires app roles, and accepts a scope or a role when both are listed', async () => {
    const app = await issuer.sign({ scp: undefined, roles: ['Todo.Read.All'], idtyp: 'app' })
    assert.equal((await get('/admin', `Bearer ${app}`)).status, 403)
    assert.equal((await get('/either', `Bearer ${app}`)).status, 200)
    assert.equal((await get('/either', `Bearer ${await issuer.sign()}`)).status, 403)
  })

  test('passes a failure of the next handler on to the app, not as a 401', async () => {
    const res = await get('/throws', `Bearer ${await issuer.sign()}`)
    assert.equal(res.status, 500)
    assert.equal(await res.text(), 'handler error reached the app')
  })
})
