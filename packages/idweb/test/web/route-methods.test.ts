import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import { errorHandler, idwebMiddleware } from '../../src/adapters/express/index.ts'
import { listen } from '../adapters/express/support.ts'
import { APP, alice, browserRequest, type Harness, startHarness } from './harness.ts'

const ROUTES: Readonly<Record<string, readonly string[]>> = {
  '/signin': ['GET'],
  '/signin-oidc': ['GET', 'POST'],
  '/signout': ['GET', 'POST'],
  '/signout-callback-oidc': ['GET'],
}
const METHODS = ['GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE', 'PROPFIND']

/** idweb's routes answer only their methods; anything else is 405 with `Allow` and changes nothing. */
describe('route methods', () => {
  let h: Harness

  before(async () => {
    h = await startHarness()
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
  })
  after(() => h.close())

  /** The signed-in user still has a session and their tokens are still cached. */
  async function stillSignedIn(): Promise<void> {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user, 'the session is still valid')
    const token = await h.idweb.getTokenForUser(user, ['User.Read'])
    assert.equal(token.fromCache, true, 'the cached tokens are still there')
  }

  for (const [path, allowed] of Object.entries(ROUTES)) {
    for (const method of METHODS.filter((m) => !allowed.includes(m))) {
      it(`${method} ${path} → 405 with Allow: ${allowed.join(', ')}, nothing changed`, async () => {
        const cookie = h.jar.header(APP) ?? ''
        const res = await h.idweb.handle(
          new Request(`${APP}${path}`, {
            method,
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            ...(method === 'HEAD' || method === 'GET' ? {} : { body: 'code=x&state=y' }),
          }),
        )
        assert.ok(res)
        assert.equal(res.status, 405)
        assert.equal(res.headers.get('allow'), allowed.join(', '))
        assert.deepEqual(res.headers.getSetCookie(), [], 'no cookie written or cleared')
        if (method !== 'HEAD') assert.match(await res.text(), /IDW_METHOD_NOT_ALLOWED/)
        await stillSignedIn()
      })
    }
  }

  it('any method signs out (regression): OPTIONS /signout with the cookie over Express → 405; session and tokens stay', async () => {
    const app = express()
    app.use(idwebMiddleware(h.idweb))
    app.use((_req, res) => {
      res.status(404).end()
    })
    const server = await listen(app)
    try {
      for (const method of ['OPTIONS', 'DELETE', 'PUT']) {
        const res = await fetch(`${server.url}/signout`, {
          method,
          headers: { cookie: h.jar.header(APP) ?? '' },
          redirect: 'manual',
        })
        assert.equal(res.status, 405, method)
        assert.equal(res.headers.get('allow'), 'GET, POST')
        assert.equal(res.headers.getSetCookie().length, 0)
        await res.body?.cancel()
      }
      await stillSignedIn()
    } finally {
      await server.close()
    }
  })

  // Node's parser refuses TRACK itself (400) and answers CONNECT apart; TRACE reaches Express.
  it('a method a Web Request cannot carry (TRACE) → 405, not a 500; dot-segment paths are not the routes', async () => {
    const app = express()
    app.use(idwebMiddleware(h.idweb))
    app.use((_req, res) => {
      res.status(404).send('the app')
    })
    app.use(errorHandler({ onError: () => {} }))
    const server = await listen(app)
    const send = (method: string, path: string) =>
      new Promise<{ status: number; allow: string | undefined; body: string }>(
        (resolve, reject) => {
          // The path as given: URL parsing would normalise `/./signout` before it is sent.
          const req = request(
            {
              host: '127.0.0.1',
              port: server.port,
              path,
              method,
              headers: { cookie: h.jar.header(APP) ?? '', accept: 'application/json' },
            },
            (res) => {
              let body = ''
              res.on('data', (c) => {
                body += c
              })
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }),
              )
            },
          )
          req.on('error', reject)
          req.end()
        },
      )
    try {
      for (const method of ['TRACE']) {
        const route = await send(method, '/signout')
        assert.equal(route.status, 405, route.body)
        assert.equal(route.allow, 'GET, POST')
        const other = await send(method, '/anything')
        assert.equal(other.status, 405, other.body)
        assert.match(other.body, /IDW_METHOD_NOT_ALLOWED/)
      }
      for (const path of ['/./signout', '/x/../signout', '/%2e/signout']) {
        const res = await send('POST', path)
        assert.equal(res.status, 404, `${path} reaches the app, not sign-out`)
      }
      await stillSignedIn()
    } finally {
      await server.close()
    }
  })
})
