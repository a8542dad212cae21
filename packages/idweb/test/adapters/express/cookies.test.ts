// Session cookies as Express sends them: the middleware appends the session's rolled Set-Cookie
// values, with HttpOnly, SameSite=Lax, and Secure whenever the request is not plain-http loopback
// (as seen through `trust proxy`). No provider is involved: the session is sealed by idweb's own
// session layer and the clock is moved forward so the middleware re-seals it.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, test } from 'node:test'
import express from 'express'
import { idwebMiddleware } from '../../../src/adapters/express/index.ts'
import { attributesOf, type Listening, listen, offlineIdweb, sessionCookieFor } from './support.ts'

const HOUR = 3600_000

describe('session cookies through Express', () => {
  let now = Date.UTC(2030, 0, 1)
  const idweb = offlineIdweb({ clock: () => now })
  let plain: Listening
  let proxied: Listening
  let cookie: string

  before(async () => {
    const make = (trust: boolean) => {
      const app = express()
      if (trust) app.set('trust proxy', 'loopback')
      app.use(idwebMiddleware(idweb))
      app.get('/', (req, res) => {
        res.append('Set-Cookie', 'app=1; Path=/')
        res.json({ name: req.identity.claims.name })
      })
      return listen(app)
    }
    plain = await make(false)
    proxied = await make(true)
    cookie = await sessionCookieFor(idweb, plain.url)
  })
  after(async () => {
    await Promise.all([plain.close(), proxied.close()])
  })

  async function rolled(server: Listening, headers: Record<string, string> = {}): Promise<string> {
    now += 3 * HOUR // past the refresh fraction of the one-day rolling lifetime
    const res = await fetch(`${server.url}/`, { headers: { cookie, ...headers } })
    assert.deepEqual(await res.json(), { name: 'Alice Smith' })
    const cookies = res.headers.getSetCookie()
    assert.ok(cookies.includes('app=1; Path=/'), "the app's own cookie is kept")
    const session = cookies.find((c) => c.startsWith('idweb.session='))
    assert.ok(session, `the middleware re-sealed the session: ${cookies.join(' | ')}`)
    cookie = session.split(';', 1)[0] ?? ''
    return session
  }

  test('plain-http loopback: HttpOnly, SameSite=Lax, not Secure', async () => {
    const attrs = attributesOf(await rolled(plain))
    assert.ok(attrs.has('httponly'))
    assert.equal(attrs.get('samesite'), 'Lax')
    assert.equal(attrs.get('path'), '/')
    assert.ok(Number(attrs.get('max-age')) > 0)
    assert.ok(!attrs.has('secure'))
  })

  test('X-Forwarded-Proto is ignored without trust proxy', async () => {
    const attrs = attributesOf(await rolled(plain, { 'x-forwarded-proto': 'https' }))
    assert.ok(!attrs.has('secure'))
  })

  test('https behind a trusted proxy: Secure', async () => {
    const attrs = attributesOf(await rolled(proxied, { 'x-forwarded-proto': 'https' }))
    assert.ok(attrs.has('secure'))
    assert.ok(attrs.has('httponly'))
    assert.equal(attrs.get('samesite'), 'Lax')
  })

  test('plain http to a non-loopback host name: Secure all the same', async () => {
    now += 3 * HOUR
    const set = await new Promise<string[]>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: plain.port,
          path: '/',
          headers: { host: 'app.example', cookie },
        },
        (res) => {
          res.resume()
          resolve(res.headers['set-cookie'] ?? [])
        },
      )
      req.on('error', reject)
      req.end()
    })
    const session = set.find((c) => c.startsWith('idweb.session='))
    assert.ok(session)
    assert.ok(attributesOf(session).has('secure'))
  })

  test('a request without cookies gets no session cookie', async () => {
    const res = await fetch(`${plain.url}/`)
    assert.deepEqual(res.headers.getSetCookie(), ['app=1; Path=/'])
  })
})
