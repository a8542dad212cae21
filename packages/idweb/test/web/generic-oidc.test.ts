import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { CookieJar, jarFetch, parseForms } from '@idweb/dev-idp/testing'
import Provider from 'oidc-provider'
import { createIdweb, type Idweb } from '../../src/web/idweb.ts'

const APP = 'http://localhost:3000'
const CLIENT = { id: 'generic-web-app', secret: 'a-generic-client-secret-for-tests' }

/**
 * A plain OpenID Provider (oidc-provider with its stock login pages), not shaped like Entra: no
 * tenants, no `client_info`, no `oid`/`tid`. It checks idweb's generic-provider path.
 */
describe('a generic OpenID Connect provider (not Entra)', () => {
  let idp: { issuer: string; close: () => Promise<void>; grants: () => number }
  let idweb: Idweb
  let now = Date.now()
  const jar = new CookieJar()
  const http = jarFetch(jar)

  before(async () => {
    const config = {
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          redirect_uris: [`${APP}/signin-oidc`],
          post_logout_redirect_uris: [`${APP}/signout-callback-oidc`],
          grant_types: ['authorization_code', 'refresh_token'],
        },
      ],
      findAccount: async (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: async () => ({ sub, name: `User ${sub}`, email: `${sub}@generic.example` }),
      }),
      claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
      issueRefreshToken: async () => true,
    }
    const { createServer } = await import('node:http')
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const provider = new Provider(issuer, config as ConstructorParameters<typeof Provider>[1])
    let grants = 0
    provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: string } } }) => {
      if (ctx.oidc.params?.grant_type === 'refresh_token') grants++
    })
    server.on('request', provider.callback())
    idp = {
      issuer,
      grants: () => grants,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
    idweb = createIdweb(
      {
        authority: issuer,
        clientId: CLIENT.id,
        clientSecret: CLIENT.secret,
        allowInsecureHttp: true,
        initialScopes: ['email'],
        session: { secrets: ['a-generic-provider-session-secret-000001'] },
      },
      { env: {}, clock: () => now },
    )
  })
  after(async () => {
    await idweb.close()
    await idp.close()
  })

  async function app(path: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(path, APP)
    const headers = new Headers(init.headers)
    const cookie = jar.header(url)
    if (cookie) headers.set('cookie', cookie)
    const res =
      (await idweb.handle(new Request(url, { ...init, headers }))) ??
      new Response(null, { status: 404 })
    jar.store(url, res.headers)
    return res
  }

  /** Plays the browser through oidc-provider's stock login and consent pages. */
  async function throughProvider(start: Response): Promise<Response> {
    let url = new URL(start.headers.get('location') ?? '')
    let init: RequestInit = {}
    for (let step = 0; step < 15; step++) {
      const res = await http(url, init)
      init = {}
      const location = res.headers.get('location')
      if (location) {
        url = new URL(location, url)
        continue
      }
      const forms = parseForms(await res.text())
      const back = forms.find((f) => new URL(f.action, url).origin !== idp.issuer)
      if (back) {
        return app(new URL(back.action).pathname, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: back.fields,
        })
      }
      const form = forms[0]
      assert.ok(form, `no form at ${url}`)
      const body = new URLSearchParams(form.fields)
      if (body.has('login')) {
        body.set('login', 'grace')
        body.set('password', 'anything')
      }
      url = new URL(form.action, url)
      init = {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }
    }
    throw new Error('the provider never answered the app')
  }

  it('signs in; the home account id is sub joined to a hash of the issuer', async () => {
    const callback = await throughProvider(await app('/signin?returnTo=/home'))
    assert.equal(callback.status, 303, await callback.clone().text())
    assert.equal(callback.headers.get('location'), '/home')
    const cookie = jar.header(APP)
    const { user } = await idweb.authenticate(
      new Request(APP, { headers: cookie ? { cookie } : {} }),
    )
    assert.ok(user)
    assert.equal(user.claims.sub, 'grace')
    assert.equal(user.claims.iss, idp.issuer)
    const issuerHash = createHash('sha256').update(idp.issuer).digest('base64url').slice(0, 16)
    assert.equal(user.account.homeAccountId, `grace.${issuerHash}`)
    assert.equal(user.account.realm, '')
    const account = idweb.cache.peek(user.account.homeAccountId)?.account()
    assert.equal(account?.authority_type, 'Generic')
    assert.equal(account?.environment, new URL(idp.issuer).host)
  })

  it('answers silently from the cache, then refreshes after expiry', async () => {
    const cookie = jar.header(APP)
    const { user } = await idweb.authenticate(
      new Request(APP, { headers: cookie ? { cookie } : {} }),
    )
    assert.ok(user)
    const hit = await idweb.getTokenForUser(user, ['email'])
    assert.equal(hit.fromCache, true)
    now += 2 * 3600 * 1000
    const refreshed = await idweb.getTokenForUser(user, ['email'])
    assert.equal(refreshed.fromCache, false)
    assert.equal(idp.grants(), 1)
  })

  it('signs out through the provider end-session endpoint', async () => {
    const res = await app('/signout')
    assert.equal(res.status, 302)
    const location = new URL(res.headers.get('location') ?? '')
    assert.equal(location.origin, idp.issuer)
    assert.equal(
      location.searchParams.get('post_logout_redirect_uri'),
      `${APP}/signout-callback-oidc`,
    )
    assert.equal(location.searchParams.get('client_id'), CLIENT.id)
  })
})
