// The whole web flow through Express against the real development provider (oidc-provider):
// sign-in with form_post, the session, silent tokens, Microsoft Graph, incremental consent through
// authorizeForScopes, a restart that empties the token cache, and sign-out. Like oidc-provider's
// own suite, it runs once per way of mounting: with a body parser in front of idweb (the callback
// body is rebuilt from req.body) and without one (the raw body is streamed).
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { CookieJar, jarFetch, signInInteractively } from '@idweb/dev-idp/testing'
import express from 'express'
import {
  authorizeForScopes,
  errorHandler,
  idwebMiddleware,
  requireUser,
} from '../../../src/adapters/express/index.ts'
import { createIdweb, type Idweb } from '../../../src/index.ts'
import { attributesOf, type Listening, listen, SECRET } from './support.ts'

const alice = demo.users.alice
const tenant = demo.tenants.contoso.id
// A Graph scope the user has not consented to at sign-in. Same resource as the initial User.Read:
// Entra (and the dev IdP) refuse an authorization request naming two resources (AADSTS28000).
const laterScope = 'Mail.Read'
// What a downstream API protected by conditional access asks for (Entra's CAE shape).
const CLAIMS = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'

/**
 * A downstream API that answers its first call with a 401 claims challenge and every later call
 * with 200, as an API does once the user has signed in again satisfying the claims.
 */
async function claimsChallengingApi(): Promise<{
  url: string
  calls: number
  close(): Promise<void>
}> {
  const state = { calls: 0 }
  const server: Server = createServer((_req, res) => {
    state.calls++
    if (state.calls === 1) {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="", error="insufficient_claims", claims="${Buffer.from(CLAIMS).toString('base64')}"`,
      })
      res.end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get calls() {
      return state.calls
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function webApp(idp: DevIdp, challengingApiUrl = 'http://127.0.0.1:9/'): Idweb {
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
        Challenging: { baseUrl: challengingApiUrl, scopes: ['User.Read'] },
      },
    },
    { env: {} },
  )
}

function expressApp(idweb: Idweb, parserFirst: boolean): express.Express {
  const app = express()
  if (parserFirst) app.use(express.urlencoded({ extended: false }))
  app.use(idwebMiddleware(idweb))
  app.get('/profile', requireUser(), (req, res) => {
    res.json({ name: req.identity.claims.name, user: req.identity.user?.account.username })
  })
  app.get('/me', requireUser(), async (req, res) => {
    const graph = await req.identity.graph()
    res.json(await graph.api('/me').get())
  })
  app.get(
    '/later-token',
    requireUser(),
    authorizeForScopes(['User.Read'], async (req, res) => {
      const token = await req.identity.getToken([laterScope])
      res.json({ length: token.length })
    }),
  )
  app.get(
    '/challenged',
    requireUser(),
    authorizeForScopes([], async (req, res) => {
      res.json(await req.identity.callApi('Challenging'))
    }),
  )
  app.get(
    '/token',
    authorizeForScopes([], async (req, res) => {
      res.json({ length: (await req.identity.getToken(['User.Read'])).length })
    }),
  )
  app.use(errorHandler({ onError() {} }))
  return app
}

for (const parserFirst of [true, false]) {
  describe(`sign-in through Express against the dev IdP (${parserFirst ? 'body parser before idweb' : 'no body parser'})`, () => {
    let idp: DevIdp
    let idweb: Idweb
    let server: Listening
    const jar = new CookieJar()
    const browser = jarFetch(jar)
    const idpJar = new CookieJar()
    let challenging: Awaited<ReturnType<typeof claimsChallengingApi>>

    before(async () => {
      idp = await startDevIdp({ port: 0 })
      challenging = await claimsChallengingApi()
      idweb = webApp(idp, challenging.url)
      // The app registration's redirect URI is http://localhost:3000/signin-oidc; like Entra, the
      // provider ignores the port of a loopback redirect URI, not its host.
      server = await listen(expressApp(idweb, parserFirst), 'localhost')
    })
    after(async () => {
      await server.close()
      await idweb.close()
      await idp.close()
      await challenging.close()
    })

    /** Plays the provider's pages, then posts the form_post back to the app. */
    async function completeAtProvider(authorizeUrl: string): Promise<Response> {
      const result = await signInInteractively(authorizeUrl, {
        username: alice.username,
        password: alice.password,
        jar: idpJar,
      })
      assert.equal(result.kind, 'form_post', result.page)
      const form = result.formPost
      assert.ok(form)
      assert.equal(form.action, `${server.url}/signin-oidc`)
      return browser(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.params,
      })
    }

    test('signs a user in and brings them back to the page they asked for', async () => {
      const page = await browser(`${server.url}/profile`, { headers: { accept: 'text/html' } })
      assert.equal(page.status, 302)
      const signIn = await browser(new URL(page.headers.get('location') ?? '', server.url))
      assert.equal(signIn.status, 302)
      const authorizeUrl = signIn.headers.get('location') ?? ''
      assert.ok(authorizeUrl.startsWith(`${idp.url}/`), authorizeUrl)
      const tx = signIn.headers.getSetCookie()[0] ?? ''
      assert.deepEqual(
        [...attributesOf(tx).keys()].filter((k) => ['httponly', 'samesite', 'secure'].includes(k)),
        ['httponly', 'samesite'],
      )

      const callback = await completeAtProvider(authorizeUrl)
      assert.ok([302, 303].includes(callback.status), `callback answered ${callback.status}`)
      assert.equal(callback.headers.get('location'), '/profile')
      const cookies = callback.headers.getSetCookie()
      const session = cookies.find((c) => c.startsWith('idweb.session'))
      assert.ok(session, cookies.join('\n'))
      const attrs = attributesOf(session)
      assert.ok(attrs.has('httponly'))
      assert.equal(attrs.get('samesite'), 'Lax')
      assert.ok(!attrs.has('secure'), 'plain-http loopback: not Secure')
      assert.ok(
        cookies.some((c) => c.startsWith('idweb.tx.') && /Max-Age=0/i.test(c)),
        'the transaction cookie is deleted',
      )

      const profile = await browser(`${server.url}/profile`)
      assert.equal(profile.status, 200)
      assert.deepEqual(await profile.json(), { name: alice.name, user: alice.username })
    })

    test('acquires tokens silently and calls Microsoft Graph with req.identity.graph()', async () => {
      const before = idp.grantCount()
      const token = await browser(`${server.url}/token`)
      assert.equal(token.status, 200)
      const me = await browser(`${server.url}/me`)
      assert.equal(me.status, 200)
      assert.equal(((await me.json()) as { id: string }).id, alice.oid)
      assert.equal(idp.grantCount(), before, 'served from the token cache')
    })

    test('a claims challenge of a downstream API re-challenges the user with those claims', async () => {
      const page = await browser(`${server.url}/challenged`, { headers: { accept: 'text/html' } })
      assert.equal(page.status, 302)
      const authorizeUrl = new URL(page.headers.get('location') ?? '')
      assert.equal(authorizeUrl.origin, idp.url)
      assert.equal(authorizeUrl.searchParams.get('claims'), CLAIMS)
      assert.ok(authorizeUrl.searchParams.get('scope')?.split(' ').includes('User.Read'))
      const callback = await completeAtProvider(authorizeUrl.href)
      assert.equal(callback.headers.get('location'), '/challenged')
      const again = await browser(`${server.url}/challenged`)
      assert.equal(again.status, 200)
      assert.deepEqual(await again.json(), { ok: true })
      assert.equal(challenging.calls, 2)
    })

    test('incremental consent: a missing scope re-challenges, then the page works', async () => {
      const xhr = await browser(`${server.url}/later-token`, {
        headers: { accept: 'application/json', referer: `${server.url}/profile` },
      })
      assert.equal(xhr.status, 401)
      assert.match(
        xhr.headers.get('www-authenticate') ?? '',
        /^Bearer error="interaction_required"/,
      )
      const body = (await xhr.json()) as { scopes: string[]; signInUrl: string }
      assert.deepEqual(body.scopes.sort(), [laterScope, 'User.Read'].sort())
      assert.equal(body.signInUrl, '/signin?returnTo=%2Fprofile')

      const page = await browser(`${server.url}/later-token`, { headers: { accept: 'text/html' } })
      assert.equal(page.status, 302)
      const authorizeUrl = new URL(page.headers.get('location') ?? '')
      assert.equal(authorizeUrl.origin, idp.url)
      const scope = authorizeUrl.searchParams.get('scope')?.split(' ') ?? []
      assert.ok(scope.includes(laterScope) && scope.includes('User.Read'), scope.join(' '))

      const callback = await completeAtProvider(authorizeUrl.href)
      assert.equal(callback.headers.get('location'), '/later-token')
      const again = await browser(`${server.url}/later-token`)
      assert.equal(again.status, 200)
    })

    test('a restart that empties the token cache re-challenges instead of failing', async () => {
      const restarted = webApp(idp)
      const other = await listen(expressApp(restarted, parserFirst), 'localhost')
      try {
        const cookie = jar.header(new URL(server.url)) ?? ''
        const res = await fetch(`${other.url}/token`, {
          redirect: 'manual',
          headers: { cookie, accept: 'text/html' },
        })
        assert.equal(res.status, 302)
        const location = new URL(res.headers.get('location') ?? '')
        assert.equal(location.origin, idp.url)
        assert.ok(location.searchParams.get('scope')?.split(' ').includes('User.Read'))
        const xhr = await fetch(`${other.url}/token`, {
          redirect: 'manual',
          headers: { cookie, 'x-requested-with': 'XMLHttpRequest' },
        })
        assert.equal(xhr.status, 401)
        const body = (await xhr.json()) as { reason: string; scopes: string[] }
        assert.equal(body.reason, 'no_account')
        assert.deepEqual(body.scopes, ['User.Read'])
      } finally {
        await other.close()
        await restarted.close()
      }
    })

    test('signs out: session cookies cleared, provider end-session, then anonymous', async () => {
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
