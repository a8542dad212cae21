// What the route-by-route Hono form (`mountIdweb`) adds to the web suite, which runs it over
// HTTP: a synchronous handler is answered synchronously (Hono's single-handler path, and
// @hono/node-server's fast path behind it), the session's rolled cookie reaches every kind of
// answer, routes that are not wrapped see no identity, and a re-challenge names the route's
// scopes. No provider is involved: the session is sealed by idweb's own session layer.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { type IdwebEnv, mountIdweb } from '../../../src/adapters/hono/index.ts'
import { InteractionRequiredError } from '../../../src/errors.ts'
import { offlineIdweb, sessionCookieFor } from '../express/support.ts'

const ORIGIN = 'http://127.0.0.1:3300'
const HOUR = 3600_000

function build() {
  let now = Date.UTC(2030, 0, 1)
  const idweb = offlineIdweb({ clock: () => now })
  const app = new Hono<IdwebEnv>()
  const auth = mountIdweb(app, idweb, { errorHandler: { onError() {} } })
  app.get(
    '/hello',
    auth.withUser((c) => {
      c.header('set-cookie', 'app=1; Path=/', { append: true })
      return c.json({ name: c.get('identity').claims.name })
    }),
  )
  app.get(
    '/raw',
    auth.withUser(() => new Response('raw', { headers: { 'set-cookie': 'raw=1; Path=/' } })),
  )
  app.get(
    '/whoami',
    auth.withIdentity((c) => c.json({ signedIn: c.get('identity').isAuthenticated })),
  )
  app.get(
    '/items/:id',
    auth.withUser(async (c) => c.json({ id: c.req.param('id') })),
  )
  app.get('/plain', (c) => c.json({ identity: c.get('identity') === undefined ? 'none' : 'set' }))
  app.get(
    '/boom',
    auth.withUser(async () => {
      throw new Error('db password hunter2')
    }),
  )
  app.get(
    '/consent',
    auth.withUser(
      async () => {
        throw new InteractionRequiredError('consent_required', ['Mail.Read'])
      },
      { scopes: ['Calendars.Read'] },
    ),
  )
  return {
    app,
    idweb,
    later: (ms: number) => {
      now += ms
    },
  }
}

const get = (path: string, headers: Record<string, string> = {}) =>
  new Request(`${ORIGIN}${path}`, { headers })

const sessionOf = (res: Response) =>
  res.headers.getSetCookie().find((c) => c.startsWith('idweb.session='))

describe('Hono, route by route (mountIdweb)', () => {
  test('a synchronous handler is answered synchronously, a signed-in user and all', async () => {
    const { app, idweb } = build()
    const cookie = await sessionCookieFor(idweb, ORIGIN)
    for (let i = 0; i < 2; i++) {
      const answer = app.fetch(get('/hello', { cookie }))
      assert.ok(!(answer instanceof Promise), 'the answer is not a promise')
      assert.equal(answer.status, 200)
      assert.deepEqual(await answer.json(), { name: 'Alice Smith' })
      assert.equal(sessionOf(answer), undefined, 'a fresh session is not re-sealed')
    }
    const params = await app.fetch(get('/items/42', { cookie }))
    assert.deepEqual(await params.json(), { id: '42' })
  })

  test('without a user: people are sent to sign in, programs get 401 JSON', async () => {
    const { app } = build()
    const person = await app.fetch(get('/items/7?x=1', { accept: 'text/html' }))
    assert.equal(person.status, 302)
    const location = new URL(person.headers.get('location') ?? '', ORIGIN)
    assert.equal(location.pathname, '/signin')
    assert.equal(location.searchParams.get('returnTo'), '/items/7?x=1')
    const program = await app.fetch(get('/hello', { accept: 'application/json' }))
    assert.equal(program.status, 401)
    assert.equal(((await program.json()) as { error: string }).error, 'IDW_NOT_SIGNED_IN')
    const anonymous = await app.fetch(get('/whoami'))
    assert.deepEqual(await anonymous.json(), { signedIn: false })
  })

  test("the rolled session cookie reaches c.json, a raw Response and an error's answer", async () => {
    const { app, idweb, later } = build()
    let cookie = await sessionCookieFor(idweb, ORIGIN)
    const roll = async (path: string) => {
      later(3 * HOUR) // past the refresh fraction of the one-day rolling lifetime
      const res = await app.fetch(get(path, { cookie }))
      const session = sessionOf(res)
      assert.ok(session, `${path} re-sealed the session: ${res.headers.getSetCookie().join(' | ')}`)
      assert.match(session, /HttpOnly/i)
      cookie = session.split(';', 1)[0] ?? ''
      return res
    }
    const hello = await roll('/hello')
    assert.deepEqual(await hello.json(), { name: 'Alice Smith' })
    assert.ok(hello.headers.getSetCookie().includes('app=1; Path=/'), "the app's cookie is kept")
    const raw = await roll('/raw')
    assert.equal(await raw.text(), 'raw')
    assert.ok(raw.headers.getSetCookie().includes('raw=1; Path=/'))
    const boom = await roll('/boom')
    assert.equal(boom.status, 500)
    assert.doesNotMatch(await boom.text(), /hunter2/)
    const after = await app.fetch(get('/whoami', { cookie }))
    assert.deepEqual(await after.json(), { signedIn: true }, 'the last rolled cookie works')
  })

  test('a re-challenge names the missing scopes and the route’s own', async () => {
    const { app, idweb } = build()
    const cookie = await sessionCookieFor(idweb, ORIGIN)
    const res = await app.fetch(get('/consent', { cookie, accept: 'application/json' }))
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /)
    const body = (await res.json()) as { error: string; scopes: string[] }
    assert.equal(body.error, 'IDW_INTERACTION_REQUIRED')
    assert.deepEqual([...body.scopes].sort(), ['Calendars.Read', 'Mail.Read'])
  })

  test('idweb answers its own paths, and only with their methods; other routes see no identity', async () => {
    const { app, idweb } = build()
    const cookie = await sessionCookieFor(idweb, ORIGIN)
    const wrong = await app.fetch(new Request(`${ORIGIN}/signin`, { method: 'DELETE' }))
    assert.equal(wrong.status, 405)
    assert.equal(wrong.headers.get('allow'), 'GET')
    const signOut = await app.fetch(
      new Request(`${ORIGIN}/signout`, { method: 'OPTIONS', headers: { cookie } }),
    )
    assert.equal(signOut.status, 405)
    const still = await app.fetch(get('/whoami', { cookie }))
    assert.deepEqual(await still.json(), { signedIn: true }, 'OPTIONS /signout signed no one out')
    const plain = await app.fetch(get('/plain', { cookie }))
    assert.deepEqual(await plain.json(), { identity: 'none' })
  })

  test('a path Hono matches loosely (strict: false) that idweb does not own is not found', async () => {
    const loose = new Hono<IdwebEnv>({ strict: false })
    mountIdweb(loose, offlineIdweb(), { errorHandler: { onError() {} } })
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await loose.fetch(new Request(`${ORIGIN}/signout/`, { method }))
      assert.equal(res.status, method === 'DELETE' ? 405 : 404, `${method} /signout/`)
    }
  })

  test('a wrapped guard that calls next(), or a c.res set in a chain, still carries the rolled cookie', async () => {
    let now = Date.UTC(2030, 0, 1)
    const idweb = offlineIdweb({ clock: () => now })
    const app = new Hono<IdwebEnv>()
    const auth = mountIdweb(app, idweb, { errorHandler: { onError() {} } })
    app.use('/chained/*', async (_c, next) => {
      await next()
    })
    app.use(
      '/area/*',
      auth.withUser(async (_c, next) => {
        await next()
      }),
    )
    app.use(
      '/returned/*',
      auth.withUser((_c, next) => next()),
    )
    const page = (c: Context<IdwebEnv>) => c.json({ name: c.get('identity').claims.name })
    app.get('/area/page', page)
    app.get('/returned/page', page)
    app.get(
      '/chained/page',
      auth.withUser(async (c) => {
        c.res = c.json({ set: 'c.res' })
      }),
    )
    let cookie = await sessionCookieFor(idweb, ORIGIN)
    for (const path of ['/area/page', '/returned/page', '/chained/page']) {
      now += 3 * HOUR // a roll is due on every request
      const res = await app.fetch(get(path, { cookie }))
      assert.equal(res.status, 200, path)
      const session = sessionOf(res)
      assert.ok(session, `${path} carries the rolled session`)
      assert.equal(
        res.headers.getSetCookie().filter((c) => c.startsWith('idweb.session=')).length,
        1,
        `${path} carries it once`,
      )
      cookie = session.split(';', 1)[0] ?? ''
    }
    const anonymous = await app.fetch(get('/area/page', { accept: 'application/json' }))
    assert.equal(anonymous.status, 401, 'the guard keeps anonymous requests out')
  })

  test('an app with a basePath is refused, with the setting to change', () => {
    const app = new Hono<IdwebEnv>().basePath('/auth')
    assert.throws(
      () => mountIdweb(app, offlineIdweb()),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'IDW_CONFIG_INVALID')
        assert.match(err.message, /basePath\('\/auth'\)/)
        return true
      },
    )
  })

  test('a path the core does not own goes on to the app, as under the middleware form', async () => {
    const app = new Hono<IdwebEnv>()
    mountIdweb(app, offlineIdweb(), { errorHandler: { onError() {} } })
    app.get('*', (c) => c.text(`app: ${c.req.path}`))
    const res = await app.fetch(get('/sign%69n'))
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'app: /signin')
  })

  test('a Hono HTTPException answers with its own response through errorHandler', async () => {
    const { app } = build()
    app.get('/teapot', () => {
      throw new HTTPException(418, { message: 'short and stout' })
    })
    const res = await app.fetch(get('/teapot'))
    assert.equal(res.status, 418)
    assert.equal(await res.text(), 'short and stout')
  })
})
