// The Express adapter on Express 4 (installed as `express4`): the same essentials as under
// Express 5, on an app Express 4 builds. A sign-in round trip against the real development
// provider (with and without a body parser in front), Microsoft Graph, incremental consent through
// the wrapper form of authorizeForScopes (Express 4 does not forward rejected promises), sign-out;
// then requireUser, errorHandler and requireBearer. Express 4 differs where it matters here:
// `req.host` drops the port, synchronous errors reach `next` but rejected promises do not.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { CookieJar, jarFetch, signInInteractively } from '@idweb/dev-idp/testing'
import type { ErrorRequestHandler } from 'express'
import express4 from 'express4'
import {
  authorizeForScopes,
  errorHandler,
  idwebMiddleware,
  requireBearer,
  requireUser,
} from '../../../src/adapters/express/index.ts'
import { createBearerValidator } from '../../../src/api/index.ts'
import { createIdweb, type Idweb, IdwebError, isIdwebError } from '../../../src/index.ts'
import { CLIENT_ID, startTestIssuer, type TestIssuer } from '../../api/support/test-issuer.ts'
import {
  attributesOf,
  type Listening,
  listen,
  offlineIdweb,
  SECRET,
  sessionCookieFor,
} from './support.ts'

const alice = demo.users.alice
const tenant = demo.tenants.contoso.id
const SECRET_DETAIL = 'db password hunter2 at /srv/app/secret.js'

test('the express4 alias really is Express 4', async () => {
  const { readFile } = await import('node:fs/promises')
  const manifest = JSON.parse(
    await readFile(new URL(import.meta.resolve('express4/package.json')), 'utf8'),
  ) as { version: string }
  assert.match(manifest.version, /^4\./)
})

function webApp(idp: DevIdp): Idweb {
  return createIdweb(
    {
      instance: `${idp.url}/`,
      tenantId: tenant,
      clientId: demo.apps.webApp.clientId,
      clientSecret: demo.apps.webApp.clientSecret,
      allowInsecureHttp: true,
      initialScopes: ['User.Read'],
      session: { secrets: [SECRET] },
      downstreamApis: {
        Graph: { baseUrl: `${idp.url}/graph/v1.0`, scopes: ['User.Read'] },
      },
    },
    { env: {} },
  )
}

for (const parserFirst of [true, false]) {
  describe(`Express 4: sign-in against the dev IdP (${parserFirst ? 'body parser before idweb' : 'no body parser'})`, () => {
    let idp: DevIdp
    let idweb: Idweb
    let server: Listening
    const jar = new CookieJar()
    const browser = jarFetch(jar)
    const idpJar = new CookieJar()

    before(async () => {
      idp = await startDevIdp({ port: 0 })
      idweb = webApp(idp)
      const app = express4()
      if (parserFirst) app.use(express4.urlencoded({ extended: false }))
      app.use(idwebMiddleware(idweb))
      app.get('/profile', requireUser(), (req, res) => {
        res.json({ name: req.identity.claims.name, user: req.identity.user?.account.username })
      })
      app.get(
        '/me',
        requireUser(),
        authorizeForScopes([], async (req, res) => {
          const graph = await req.identity.graph()
          res.json(await graph.api('/me').get())
        }),
      )
      app.get(
        '/mail',
        requireUser(),
        authorizeForScopes(['User.Read'], async (req, res) => {
          res.json({ length: (await req.identity.getToken(['Mail.Read'])).length })
        }),
      )
      app.use(errorHandler({ onError() {} }))
      server = await listen(app, 'localhost')
    })
    after(async () => {
      await server.close()
      await idweb.close()
      await idp.close()
    })

    async function completeAtProvider(authorizeUrl: string): Promise<Response> {
      const result = await signInInteractively(authorizeUrl, { ...alice, jar: idpJar })
      assert.equal(result.kind, 'form_post', result.page)
      const form = result.formPost!
      assert.equal(form.action, `${server.url}/signin-oidc`)
      return browser(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.params,
      })
    }

    test('signs a user in (redirect URI keeps the port) and back to the page', async () => {
      const page = await browser(`${server.url}/profile?tab=1`, {
        headers: { accept: 'text/html' },
      })
      assert.equal(page.status, 302)
      assert.equal(
        page.headers.get('location'),
        `/signin?returnTo=${encodeURIComponent('/profile?tab=1')}`,
      )
      const signIn = await browser(new URL(page.headers.get('location') ?? '', server.url))
      assert.equal(signIn.status, 302)
      const authorizeUrl = new URL(signIn.headers.get('location') ?? '')
      assert.equal(authorizeUrl.origin, idp.url)
      // Express 4's req.host is the hostname only; the adapter must keep the port.
      assert.equal(authorizeUrl.searchParams.get('redirect_uri'), `${server.url}/signin-oidc`)

      const callback = await completeAtProvider(authorizeUrl.href)
      assert.ok([302, 303].includes(callback.status), `callback answered ${callback.status}`)
      assert.equal(callback.headers.get('location'), '/profile?tab=1')
      const session = callback.headers.getSetCookie().find((c) => c.startsWith('idweb.session'))
      assert.ok(session, callback.headers.getSetCookie().join('\n'))
      const attrs = attributesOf(session)
      assert.ok(attrs.has('httponly'))
      assert.equal(attrs.get('samesite'), 'Lax')
      assert.ok(!attrs.has('secure'), 'plain-http loopback: not Secure')

      const profile = await browser(`${server.url}/profile`)
      assert.equal(profile.status, 200)
      assert.deepEqual(await profile.json(), { name: alice.name, user: alice.username })
    })

    test('calls Microsoft Graph with req.identity.graph()', async () => {
      const me = await browser(`${server.url}/me`)
      assert.equal(me.status, 200)
      assert.equal(((await me.json()) as { id: string }).id, alice.oid)
    })

    test('incremental consent through the wrapper form, then the page works', async () => {
      const xhr = await browser(`${server.url}/mail`, { headers: { accept: 'application/json' } })
      assert.equal(xhr.status, 401)
      assert.deepEqual(((await xhr.json()) as { scopes: string[] }).scopes, [
        'Mail.Read',
        'User.Read',
      ])
      const page = await browser(`${server.url}/mail`, { headers: { accept: 'text/html' } })
      assert.equal(page.status, 302)
      const authorizeUrl = new URL(page.headers.get('location') ?? '')
      assert.equal(authorizeUrl.origin, idp.url)
      assert.ok(authorizeUrl.searchParams.get('scope')?.split(' ').includes('Mail.Read'))
      const callback = await completeAtProvider(authorizeUrl.href)
      assert.equal(callback.headers.get('location'), '/mail')
      assert.equal((await browser(`${server.url}/mail`)).status, 200)
    })

    test('signs out: session cookie cleared, then anonymous', async () => {
      const res = await browser(`${server.url}/signout`)
      assert.equal(res.status, 302)
      assert.ok((res.headers.get('location') ?? '').startsWith(`${idp.url}/`))
      assert.ok(
        res.headers
          .getSetCookie()
          .some((c) => c.startsWith('idweb.session') && /Max-Age=0/i.test(c)),
      )
      const page = await browser(`${server.url}/profile`, {
        headers: { accept: 'application/json' },
      })
      assert.equal(page.status, 401)
    })
  })
}

describe('Express 4: requireUser, errorHandler, an empty token cache', () => {
  let server: Listening
  let cookie: string
  const idweb = offlineIdweb()
  const logged: unknown[] = []

  before(async () => {
    const app = express4()
    app.use(idwebMiddleware(idweb))
    app.get('/private', requireUser(), (req, res) => {
      res.json({ name: req.identity.claims.name })
    })
    app.get(
      '/token',
      requireUser(),
      authorizeForScopes([], async (req, res) => {
        res.json({ length: (await req.identity.getToken(['User.Read'])).length })
      }),
    )
    app.get('/state', () => {
      throw new IdwebError('IDW_STATE_INVALID', 'This sign-in link has expired. Sign in again.')
    })
    app.get('/plain', () => {
      throw new Error(SECRET_DETAIL)
    })
    app.use(errorHandler({ onError: (err) => logged.push(err) }))
    server = await listen(app)
    cookie = await sessionCookieFor(idweb, server.url)
  })
  after(async () => {
    await server.close()
    await idweb.close()
  })

  test('requireUser redirects people with returnTo and answers programs 401', async () => {
    const page = await fetch(`${server.url}/private?x=1`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    })
    assert.equal(page.status, 302)
    assert.equal(
      page.headers.get('location'),
      `/signin?returnTo=${encodeURIComponent('/private?x=1')}`,
    )
    for (const headers of <Record<string, string>[]>[
      { accept: 'application/json' },
      { 'x-requested-with': 'XMLHttpRequest' },
    ]) {
      const res = await fetch(`${server.url}/private`, { redirect: 'manual', headers })
      assert.equal(res.status, 401)
      assert.equal(((await res.json()) as { error: string }).error, 'IDW_NOT_SIGNED_IN')
    }
  })

  test('lets a signed-in user through with the session claims', async () => {
    const res = await fetch(`${server.url}/private`, { headers: { cookie } })
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { name: 'Alice Smith' })
  })

  test('a session whose token cache is empty re-challenges (401 JSON for programs)', async () => {
    const res = await fetch(`${server.url}/token`, {
      headers: { cookie, accept: 'application/json' },
    })
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="interaction_required"/)
    const body = (await res.json()) as { reason: string; scopes: string[] }
    assert.equal(body.reason, 'no_account')
    assert.deepEqual(body.scopes, ['User.Read'])
  })

  test('errorHandler answers an exposed idweb error as a page or as JSON', async () => {
    const page = await fetch(`${server.url}/state`, { headers: { accept: 'text/html' } })
    assert.equal(page.status, 400)
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(await page.text(), /This sign-in link has expired/)
    const json = await fetch(`${server.url}/state`, { headers: { accept: 'application/json' } })
    assert.equal(json.status, 400)
    assert.deepEqual(await json.json(), {
      error: 'IDW_STATE_INVALID',
      message: 'This sign-in link has expired. Sign in again.',
    })
  })

  test('errorHandler hides everything about an unexpected failure', async () => {
    for (const accept of ['text/html', 'application/json']) {
      const res = await fetch(`${server.url}/plain`, { headers: { accept } })
      assert.equal(res.status, 500)
      assert.doesNotMatch(await res.text(), /hunter2|\/srv\/|at [A-Za-z.]+ \(|Error:/)
    }
    assert.ok(logged.some((e) => e instanceof Error && e.message === SECRET_DETAIL))
  })
})

describe('Express 4: requireBearer', () => {
  let issuer: TestIssuer
  let server: Listening

  before(async () => {
    issuer = await startTestIssuer()
    const validator = createBearerValidator({
      discoveryUrl: issuer.discoveryUrl,
      clientId: CLIENT_ID,
    })
    const app = express4()
    app.get(
      '/todos',
      requireBearer(validator, { scopes: ['Todo.Read'], realm: 'todo-api' }),
      (req, res) => {
        res.json({ oid: req.auth?.oid })
      },
    )
    app.get('/throws', requireBearer(validator), () => {
      throw new Error('handler failure after a valid token')
    })
    app.use(((err, _req, res, _next) => {
      res.status(500).send(isIdwebError(err) ? 'idweb error' : 'handler error reached the app')
    }) as ErrorRequestHandler)
    server = await listen(app)
  })
  after(async () => {
    await Promise.all([server.close(), issuer.close()])
  })

  const get = (path: string, authorization?: string) =>
    fetch(`${server.url}${path}`, authorization === undefined ? {} : { headers: { authorization } })

  test('lets a valid token through and sets req.auth', async () => {
    const res = await get('/todos', `Bearer ${await issuer.sign()}`)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { oid: '00000000-0000-0000-0000-00000000a11c' })
  })

  test('refuses missing, malformed, foreign and under-scoped tokens per RFC 6750', async () => {
    const missing = await get('/todos')
    assert.equal(missing.status, 401)
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="todo-api"')
    const malformed = await get('/todos', 'Bearer a.b')
    assert.equal(malformed.status, 401)
    assert.match(
      malformed.headers.get('www-authenticate') ?? '',
      /^Bearer realm="todo-api", error="invalid_/,
    )
    const foreign = await get(
      '/todos',
      `Bearer ${await issuer.sign({ aud: 'api://someone-else' })}`,
    )
    assert.equal(foreign.status, 401)
    assert.match(foreign.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
    const scoped = await get('/todos', `Bearer ${await issuer.sign({ scp: 'Todo.Write' })}`)
    assert.equal(scoped.status, 403)
    assert.match(scoped.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/)
  })

  test('passes a failure of the next handler on to the app, not as a 401', async () => {
    const res = await get('/throws', `Bearer ${await issuer.sign()}`)
    assert.equal(res.status, 500)
    assert.equal(await res.text(), 'handler error reached the app')
  })
})
