// A downstream API that is down: the error handler answers a page that says so (HTML for
// people, JSON for programs), with the code to look up, not a raw `TypeError: fetch failed` 500.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import { errorHandler, idwebMiddleware } from '../../../src/adapters/express/index.ts'
import { isIdwebError } from '../../../src/errors.ts'
import { createIdweb, type Idweb } from '../../../src/web/idweb.ts'

const HOME = 'oid-down.tid-down'
const TOKEN = 'access-token-for-the-downstream-unavailable-test'

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

describe('errorHandler: a downstream API that is down', () => {
  let idweb: Idweb
  let app: Server
  let origin: string
  let cookie: string
  const reported: unknown[] = []

  before(async () => {
    const closed = createServer()
    const port = await listen(closed)
    await new Promise((resolve) => closed.close(resolve))
    idweb = createIdweb(
      {
        instance: 'http://127.0.0.1:9/',
        tenantId: 'contoso.example',
        clientId: 'client-id',
        clientSecret: 'a-client-secret-value',
        allowInsecureHttp: true,
        session: { secrets: ['a-session-secret-for-the-down-api-test-01'] },
        downstreamApis: {
          TodoApi: { baseUrl: `http://127.0.0.1:${port}/`, scopes: ['api://todo/access_as_user'] },
        },
      },
      { env: {}, fetch: () => Promise.reject(new Error('no provider in this test')) },
    )
    const p = await idweb.cache.partition(HOME)
    p.saveTokenResponse({
      clientId: 'client-id',
      environment: idweb.config.authority.environment,
      realm: 'tid-down',
      scopes: ['api://todo/access_as_user'],
      accessToken: TOKEN,
      account: { homeAccountId: HOME, localAccountId: 'oid-down', username: 'u@example' },
    })
    const web = express()
    web.use(idwebMiddleware(idweb))
    web.get('/todos', async (req, res) => {
      res.json(await req.identity.callApi('TodoApi', { relativePath: 'todos' }))
    })
    web.use(errorHandler({ onError: (err) => reported.push(err) }))
    app = createServer(web)
    origin = `http://127.0.0.1:${await listen(app)}`
    const session = idweb.sessions.create({
      homeAccountId: HOME,
      claims: { iss: 'http://127.0.0.1:9/tid-down/v2.0', sub: 'sub-1', tid: 'tid-down' },
    })
    const cookies = await idweb.sessions.commit(new Request(`${origin}/`), session)
    cookie = cookies.map((c) => c.split(';', 1)[0]).join('; ')
  })
  after(async () => {
    await new Promise((resolve) => app.close(resolve))
    await idweb.close()
  })

  it('answers people with a 502 page that says a service is unavailable', async () => {
    const res = await fetch(`${origin}/todos`, { headers: { cookie, accept: 'text/html' } })
    const page = await res.text()
    assert.equal(res.status, 502, page)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(page, /<h1>A service is unavailable<\/h1>/)
    assert.match(page, /not answering right now/)
    assert.match(page, /IDW_DOWNSTREAM_UNAVAILABLE/)
    assert.doesNotMatch(page, /fetch failed|TypeError|Sign-in|127\.0\.0\.1/)
  })

  it('answers programs with JSON naming the code', async () => {
    const res = await fetch(`${origin}/todos`, { headers: { cookie, accept: 'application/json' } })
    assert.equal(res.status, 502)
    const body = (await res.json()) as { error: string; message: string }
    assert.equal(body.error, 'IDW_DOWNSTREAM_UNAVAILABLE')
    assert.match(body.message, /not answering right now/)
  })

  it('reports the error, which names the API and what to check, to onError', () => {
    const err = reported.find((e) => isIdwebError(e, 'IDW_DOWNSTREAM_UNAVAILABLE'))
    assert.ok(err instanceof Error, `reported: ${reported.map(String).join(', ')}`)
    assert.match(
      err.message,
      /^DownstreamApis\.TodoApi: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED; is the API running/,
    )
  })
})
