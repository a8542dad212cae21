// idweb/next's server side, without Next.js (the production build of examples/next runs the whole
// web suite): getIdentity from a Server Component's headers, built once per request; signInUrl
// for a re-challenge; withIdentity for route handlers (requireUser, re-challenge, hidden
// failures, the rolled cookie); the route handlers' 404 and 405; requireBearer.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { nextIdweb, requireBearer } from '../../../src/adapters/next/index.ts'
import { createBearerValidator } from '../../../src/api/index.ts'
import { IdwebError, InteractionRequiredError } from '../../../src/errors.ts'
import { offlineIdweb, sessionCookieFor } from '../express/support.ts'

const ORIGIN = 'http://localhost:3000'

describe('nextIdweb: Server Components', () => {
  it('getIdentity reads the session cookie from the request headers, once per request', async () => {
    const idweb = offlineIdweb()
    const cookie = await sessionCookieFor(idweb, ORIGIN)
    let current = new Headers({ cookie, host: 'localhost:3000' })
    let calls = 0
    const auth = nextIdweb(idweb, {
      headers: () => {
        calls++
        return current
      },
    })
    const me = await auth.getIdentity()
    assert.equal(me.isAuthenticated, true)
    assert.equal(me.claims.name, 'Alice Smith')
    assert.equal(await auth.getIdentity(), me, 'the same request: the same identity')
    assert.equal(calls, 2)
    current = new Headers({ host: 'localhost:3000' })
    assert.equal((await auth.getIdentity()).isAuthenticated, false, 'a new request')
    current = new Headers({ cookie: 'idweb.session=forged', host: 'localhost:3000' })
    assert.equal((await auth.getIdentity()).isAuthenticated, false)
    await idweb.close()
  })

  it('getToken for an anonymous request is IDW_NOT_SIGNED_IN, and signInUrl sends to sign-in', async () => {
    const idweb = offlineIdweb()
    const auth = nextIdweb(idweb, { headers: () => new Headers() })
    const err = await auth.getToken(['User.Read']).catch((e: unknown) => e)
    assert.ok(err instanceof IdwebError && err.code === 'IDW_NOT_SIGNED_IN')
    assert.equal(auth.signInUrl(err, '/profile'), '/signin?returnTo=%2Fprofile')
    await idweb.close()
  })

  it('signInUrl asks for the missing scopes and claims, and never leaves the site', () => {
    const idweb = offlineIdweb()
    const auth = nextIdweb(idweb, { headers: () => new Headers() })
    const err = new InteractionRequiredError('consent_required', ['Mail.Read'], {
      claims: '{"id_token":{"acrs":{"essential":true}}}',
      prompt: 'consent',
    })
    const url = new URL(auth.signInUrl(err, '/mail?x=1', ['User.Read']) ?? '', ORIGIN)
    assert.equal(url.pathname, '/signin')
    assert.equal(url.searchParams.get('returnTo'), '/mail?x=1')
    assert.equal(url.searchParams.get('scope'), 'Mail.Read User.Read')
    assert.equal(url.searchParams.get('claims'), '{"id_token":{"acrs":{"essential":true}}}')
    assert.equal(url.searchParams.get('prompt'), 'consent')
    const offSite = new URL(auth.signInUrl(err, 'https://evil.example/') ?? '', ORIGIN)
    assert.equal(offSite.searchParams.get('returnTo'), '/')
    assert.equal(auth.signInUrl(new Error('db down'), '/'), undefined)
  })
})

describe('nextIdweb: route handlers', () => {
  it('handlers answer idweb routes, 404 elsewhere and 405 for a refused method', async () => {
    const idweb = offlineIdweb()
    const { GET, POST } = nextIdweb(idweb, { headers: () => new Headers() }).handlers
    assert.equal((await GET(new Request(`${ORIGIN}/elsewhere`))).status, 404)
    const put = await POST(new Request(`${ORIGIN}/signin`, { method: 'POST' }))
    assert.equal(put.status, 405)
    assert.equal(put.headers.get('allow'), 'GET')
    await idweb.close()
  })

  it('withIdentity: requireUser, the identity, re-challenges and hidden failures', async () => {
    const idweb = offlineIdweb()
    const auth = nextIdweb(idweb, { headers: () => new Headers() })
    const cookie = await sessionCookieFor(idweb, ORIGIN)
    const whoami = auth.withIdentity(
      (_request, identity) => Response.json({ name: identity.claims.name ?? null }),
      { requireUser: true },
    )
    const person = await whoami(
      new Request(`${ORIGIN}/api/me`, { headers: { accept: 'text/html' } }),
      {},
    )
    assert.equal(person.status, 302)
    assert.equal(person.headers.get('location'), '/signin?returnTo=%2Fapi%2Fme')
    const program = await whoami(
      new Request(`${ORIGIN}/api/me`, { headers: { accept: 'application/json' } }),
      {},
    )
    assert.equal(program.status, 401)
    const ok = await whoami(new Request(`${ORIGIN}/api/me`, { headers: { cookie } }), {})
    assert.deepEqual(await ok.json(), { name: 'Alice Smith' })

    const consent = auth.withIdentity(
      () => {
        throw new InteractionRequiredError('consent_required', ['Mail.Read'])
      },
      { scopes: ['User.Read'] },
    )
    const xhr = await consent(
      new Request(`${ORIGIN}/api/mail`, { headers: { cookie, accept: 'application/json' } }),
      {},
    )
    assert.equal(xhr.status, 401)
    assert.deepEqual(((await xhr.json()) as { scopes: string[] }).scopes, [
      'Mail.Read',
      'User.Read',
    ])

    const logged: unknown[] = []
    const quiet = offlineIdweb({
      logger: {
        debug() {},
        info() {},
        warn() {},
        error: (...a: unknown[]) => logged.push(a),
      } as never,
    })
    const boom = nextIdweb(quiet, { headers: () => new Headers() }).withIdentity(() => {
      throw new Error('db password hunter2')
    })
    const failed = await boom(
      new Request(`${ORIGIN}/api/boom`, { headers: { accept: 'text/html' } }),
      {},
    )
    assert.equal(failed.status, 500)
    assert.doesNotMatch(await failed.text(), /hunter2/)
    assert.doesNotMatch(JSON.stringify(logged), /hunter2/)
    assert.equal(logged.length, 1)
    await Promise.all([idweb.close(), quiet.close()])
  })

  it('withIdentity adds the rolled session cookie, even to an immutable response', async () => {
    let now = 1_800_000_000_000
    const idweb = offlineIdweb({ clock: () => now })
    const cookie = await sessionCookieFor(idweb, ORIGIN)
    now += 20 * 3600 * 1000 // most of the day-long idle lifetime: a roll is due
    const auth = nextIdweb(idweb, { headers: () => new Headers() })
    const handler = auth.withIdentity(() => Response.redirect(`${ORIGIN}/next`, 303))
    const res = await handler(new Request(`${ORIGIN}/go`, { headers: { cookie } }), {})
    assert.equal(res.status, 303)
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('idweb.session=')))
    await idweb.close()
  })
})

describe('requireBearer (idweb/next)', () => {
  it('refuses a missing token per RFC 6750 without calling the handler', async () => {
    const validator = createBearerValidator({
      discoveryUrl: 'https://login.invalid/tenant/v2.0/.well-known/openid-configuration',
      clientId: 'api',
    })
    const GET = requireBearer(validator, { scopes: ['Todo.Read'], realm: 'todo-api' }, () =>
      Response.json({ never: true }),
    )
    const missing = await GET(new Request(`${ORIGIN}/api/todos`), {})
    assert.equal(missing.status, 401)
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="todo-api"')
  })
})
