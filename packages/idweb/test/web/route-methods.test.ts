import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import { idwebMiddleware } from '../../src/adapters/express/index.ts'
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
})
