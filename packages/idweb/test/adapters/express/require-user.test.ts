// requireUser and req.identity for anonymous and signed-in requests. The idweb under test never
// reaches a provider: its fetch fails every call, so nothing here can depend on one.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import express from 'express'
import { errorHandler, idwebMiddleware, requireUser } from '../../../src/adapters/express/index.ts'
import { isIdwebError } from '../../../src/index.ts'
import { type Listening, listen, offlineIdweb, sessionCookieFor } from './support.ts'

describe('requireUser', () => {
  let server: Listening
  let cookie: string
  const idweb = offlineIdweb()

  before(async () => {
    const app = express()
    app.use(idwebMiddleware(idweb))
    app.get('/private', requireUser(), (req, res) => {
      res.json({ name: req.identity.claims.name, authenticated: req.identity.isAuthenticated })
    })
    app.get('/whoami', async (req, res) => {
      const token = await req.identity.getToken(['User.Read']).then(
        () => 'token',
        (err: unknown) => (isIdwebError(err) ? err.code : 'other'),
      )
      res.json({ authenticated: req.identity.isAuthenticated, claims: req.identity.claims, token })
    })
    app.use(errorHandler({ onError() {} }))
    server = await listen(app)
    cookie = await sessionCookieFor(idweb, server.url)
  })
  after(() => server.close())

  test('redirects a person to /signin with the encoded original URL as returnTo', async () => {
    const res = await fetch(`${server.url}/private?x=1&y=a%20b`, {
      redirect: 'manual',
      headers: { accept: 'text/html,application/xhtml+xml' },
    })
    assert.equal(res.status, 302)
    const location = res.headers.get('location') ?? ''
    assert.equal(location, `/signin?returnTo=${encodeURIComponent('/private?x=1&y=a%20b')}`)
    assert.equal(new URL(location, server.url).searchParams.get('returnTo'), '/private?x=1&y=a%20b')
    assert.equal(res.headers.get('cache-control'), 'no-store')
  })

  test('answers 401 JSON to a caller that accepts JSON', async () => {
    const res = await fetch(`${server.url}/private`, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    })
    assert.equal(res.status, 401)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(((await res.json()) as { error: string }).error, 'IDW_NOT_SIGNED_IN')
  })

  test('answers 401 JSON to an XHR (X-Requested-With)', async () => {
    const res = await fetch(`${server.url}/private`, {
      redirect: 'manual',
      headers: { 'x-requested-with': 'XMLHttpRequest', accept: '*/*' },
    })
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as { error: string }).error, 'IDW_NOT_SIGNED_IN')
  })

  test('lets a signed-in user through, with the session claims on req.identity', async () => {
    const res = await fetch(`${server.url}/private`, { redirect: 'manual', headers: { cookie } })
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { name: 'Alice Smith', authenticated: true })
  })

  test('treats a tampered session cookie as anonymous, never a 500', async () => {
    const tampered = cookie.replace(/=(.)/, (_m, c: string) => `=${c === 'A' ? 'B' : 'A'}`)
    const res = await fetch(`${server.url}/private`, {
      redirect: 'manual',
      headers: { cookie: tampered, accept: 'text/html' },
    })
    assert.equal(res.status, 302)
  })

  test('gives anonymous requests an identity whose getToken raises IDW_NOT_SIGNED_IN', async () => {
    const res = await fetch(`${server.url}/whoami`)
    assert.deepEqual(await res.json(), {
      authenticated: false,
      claims: {},
      token: 'IDW_NOT_SIGNED_IN',
    })
  })

  test('refuses to run without idwebMiddleware, with a 500 that names nothing', async () => {
    const app = express()
    app.get('/private', requireUser(), (_req, res) => {
      res.send('no')
    })
    const seen: unknown[] = []
    app.use(errorHandler({ onError: (err) => seen.push(err) }))
    const bare = await listen(app)
    try {
      const res = await fetch(`${bare.url}/private`, { headers: { accept: 'text/html' } })
      assert.equal(res.status, 500)
      assert.doesNotMatch(await res.text(), /idwebMiddleware/)
      assert.ok(isIdwebError(seen[0], 'IDW_CONFIG_INVALID'))
    } finally {
      await bare.close()
    }
  })
})
