// The authenticated request through idwebMiddleware builds no Web Request (the session layer
// reads the Express request through a view of it), and that view is faithful: the same user, the
// same refusals, as the Web Request path. The idweb under test never reaches a provider.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import express from 'express'
import {
  errorHandler,
  idwebMiddleware,
  requireUser,
  toWebRequest,
} from '../../../src/adapters/express/index.ts'
import { type Listening, listen, offlineIdweb, rawRequest, sessionCookieFor } from './support.ts'

/** Counts `new Request(...)` by idweb's code, which resolves the global at call time. */
function countWebRequests() {
  const Original = globalThis.Request
  let count = 0
  globalThis.Request = class extends Original {
    constructor(...args: ConstructorParameters<typeof Request>) {
      super(...args)
      count++
    }
  } as typeof Request
  return {
    get count() {
      return count
    },
    restore() {
      globalThis.Request = Original
    },
  }
}

describe('the authenticated Express request', () => {
  let server: Listening
  let cookie: string
  const idweb = offlineIdweb()

  before(async () => {
    const app = express()
    app.use(idwebMiddleware(idweb))
    app.get('/hello', requireUser(), (req, res) => {
      res.json({ name: req.identity.claims.name, user: req.identity.isAuthenticated })
    })
    app.get('/web', (req, res) => {
      res.json({ url: toWebRequest(req).url })
    })
    app.use(errorHandler({ onError() {} }))
    server = await listen(app)
    cookie = await sessionCookieFor(idweb, server.url)
  })
  after(() => server.close())

  test('is answered without building a Web Request; a handler that asks for one gets it', async () => {
    const spy = countWebRequests()
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${server.url}/hello`, { headers: { cookie } })
        assert.deepEqual(await res.json(), { name: 'Alice Smith', user: true })
      }
      assert.equal(spy.count, 0)
      const web = await fetch(`${server.url}/web`, { headers: { cookie } })
      assert.equal(((await web.json()) as { url: string }).url, `${server.url}/web`)
      assert.equal(spy.count, 1, 'the spy sees the Web Requests idweb builds')
    } finally {
      spy.restore()
    }
  })

  test('several Cookie headers are read as one, as the Web Request path joins them', async () => {
    const res = await rawRequest(server.port, 'GET', '/hello', [
      'Cookie',
      'other=1',
      'Cookie',
      cookie,
      'Accept',
      'application/json',
    ])
    assert.equal(res.status, 200)
    assert.equal((JSON.parse(res.body) as { name: string }).name, 'Alice Smith')
    const anonymous = await rawRequest(server.port, 'GET', '/hello', [
      'Cookie',
      cookie,
      'Cookie',
      cookie,
      'Accept',
      'application/json',
    ])
    assert.equal(anonymous.status, 401, 'a duplicated session cookie is anonymous')
  })

  test('TRACE, which a Web Request cannot carry, is refused with 405 with or without a cookie', async () => {
    for (const withCookie of [[], ['Cookie', cookie]]) {
      const res = await rawRequest(server.port, 'TRACE', '/hello', [
        'Accept',
        'application/json',
        ...withCookie,
      ])
      assert.equal(res.status, 405)
      assert.match(res.body, /IDW_METHOD_NOT_ALLOWED/)
    }
  })
})

describe('a Host that is not a URL authority', () => {
  test('the session needs no URL, so the user is read; idweb’s own routes refuse it with 400', async () => {
    const idweb = offlineIdweb()
    const app = express()
    app.use(idwebMiddleware(idweb))
    app.get('/hello', (req, res) => {
      res.json({ user: req.identity.isAuthenticated })
    })
    app.use(errorHandler({ onError() {} }))
    const server = await listen(app)
    try {
      const cookie = await sessionCookieFor(idweb, server.url)
      const read = await rawRequest(server.port, 'GET', '/hello', [
        'Cookie',
        cookie,
        'Host',
        '[zz]',
      ])
      assert.deepEqual(JSON.parse(read.body), { user: true })
      const route = await rawRequest(server.port, 'GET', '/signin', [
        'Cookie',
        cookie,
        'Host',
        '[zz]',
        'Accept',
        'application/json',
      ])
      assert.equal(route.status, 400)
      assert.match(route.body, /IDW_BAD_REQUEST/)
    } finally {
      await server.close()
    }
  })
})
