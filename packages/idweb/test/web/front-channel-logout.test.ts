// Front-channel logout (/signout-oidc) as the dev IdP's signed-out page frames it, the requests
// that must sign nobody out, and "sign out everywhere" across two instances on one store.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, startDevIdp } from '@idweb/dev-idp'
import { signOut } from '@idweb/dev-idp/testing'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import type { Idweb } from '../../src/web/idweb.ts'
import { APP, alice, demo, type Harness, startHarness, withCookie } from './harness.ts'

describe('front-channel logout and sign-out everywhere', () => {
  let idp: DevIdp
  let h: Harness
  let b: Idweb

  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
    const store = new MemoryStore()
    const keys = [{ id: 'k1', key: randomBytes(32) }]
    h = await startHarness({ sharedIdp: idp, deps: { cache: new TokenCache({ store, keys }) } })
    const a = h.idweb
    b = h.restart({ cache: new TokenCache({ store, keys }) })
    h.idweb = a
  })
  after(async () => {
    await b.close()
    await h.close()
    await idp.close()
  })

  /** Signs alice in with a fresh browser; returns its cookie and the session's claims. */
  async function signedIn(): Promise<{ copy: string; claims: Record<string, unknown> }> {
    h.jar.clear()
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
    const copy = h.jar.header(APP) ?? ''
    const user = (await h.idweb.authenticate(withCookie(copy))).user
    assert.ok(user)
    return { copy, claims: { ...user.claims } }
  }

  async function alive(copy: string): Promise<boolean> {
    const [onA, onB] = await Promise.all([
      h.idweb.authenticate(withCookie(copy)),
      b.authenticate(withCookie(copy)),
    ])
    return onA.user !== undefined && onB.user !== undefined
  }

  const frontChannel = (copy: string, query: string) =>
    h.idweb.handle(withCookie(copy, `/signout-oidc?${query}`)) as Promise<Response>

  it("the provider's signed-out page frames /signout-oidc, and loading that frame ends the session everywhere", async () => {
    const { copy } = await signedIn()
    const logout = idp.issuer(demo.tenants.contoso.id).replace('/v2.0', '/oauth2/v2.0/logout')
    const result = await signOut(logout, { jar: h.jar })
    const frame = result.frontChannel?.[0]
    assert.ok(frame, 'the signed-out page framed the app')
    const url = new URL(frame)
    assert.equal(url.origin + url.pathname, `${APP}/signout-oidc`)
    const answer = await frontChannel(copy, url.search.slice(1))
    assert.equal(answer.status, 200)
    const csp = answer.headers.get('content-security-policy') ?? ''
    assert.match(csp, new RegExp(`frame-ancestors ${new URL(idp.url).origin}$`))
    assert.equal(answer.headers.get('cache-control'), 'no-store')
    assert.ok(
      answer.headers.getSetCookie().some((c) => /Max-Age=0/.test(c)),
      'cookie cleared',
    )
    assert.equal(await alive(copy), false, 'the copy is dead on A and B')
  })

  it('a request for another sid signs nobody out', async () => {
    const { copy, claims } = await signedIn()
    const query = new URLSearchParams({ iss: String(claims.iss), sid: 'another-session' })
    const answer = await frontChannel(copy, query.toString())
    assert.equal(answer.status, 200)
    assert.deepEqual(answer.headers.getSetCookie(), [])
    assert.equal(await alive(copy), true)
  })

  for (const [name, query] of [
    [
      'another issuer',
      (c: Record<string, unknown>) => ({ iss: 'https://evil.example/v2.0', sid: String(c.sid) }),
    ],
    ['no sid', (c: Record<string, unknown>) => ({ iss: String(c.iss) })],
    ['no iss', (c: Record<string, unknown>) => ({ sid: String(c.sid) })],
  ] as const) {
    it(`a request with ${name} is refused (400) and signs nobody out`, async () => {
      const { copy, claims } = await signedIn()
      const answer = await frontChannel(copy, new URLSearchParams(query(claims)).toString())
      assert.equal(answer.status, 400)
      assert.equal(await alive(copy), true)
    })
  }

  it("a link or redirect from another site (not the provider's iframe) signs nobody out", async () => {
    const { copy, claims } = await signedIn()
    const query = new URLSearchParams({ iss: String(claims.iss), sid: String(claims.sid) })
    const navigated = new Request(`${APP}/signout-oidc?${query}`, {
      headers: { cookie: copy, 'sec-fetch-dest': 'document', 'sec-fetch-site': 'cross-site' },
    })
    const answer = (await h.idweb.handle(navigated)) as Response
    assert.equal(answer.status, 400)
    assert.equal(await alive(copy), true)
    const framed = new Request(`${APP}/signout-oidc?${query}`, {
      headers: { cookie: copy, 'sec-fetch-dest': 'iframe', 'sec-fetch-site': 'same-site' },
    })
    assert.equal(((await h.idweb.handle(framed)) as Response).status, 200)
    assert.equal(await alive(copy), false, 'the same request from an iframe does end it')
  })

  it('repeated parameters are refused, and sign nobody out', async () => {
    const { copy, claims } = await signedIn()
    const iss = encodeURIComponent(String(claims.iss))
    const sid = encodeURIComponent(String(claims.sid))
    const answer = await frontChannel(copy, `iss=${iss}&sid=${sid}&sid=other`)
    assert.equal(answer.status, 400)
    assert.equal(await alive(copy), true)
  })

  it('without the cookie (a browser blocking third-party cookies) nobody is signed out', async () => {
    const { copy, claims } = await signedIn()
    const query = new URLSearchParams({ iss: String(claims.iss), sid: String(claims.sid) })
    const answer = (await h.idweb.handle(new Request(`${APP}/signout-oidc?${query}`))) as Response
    assert.equal(answer.status, 200)
    assert.equal(await alive(copy), true)
  })

  it('POST is not a front-channel logout: 405', async () => {
    const answer = (await h.idweb.handle(
      new Request(`${APP}/signout-oidc`, { method: 'POST' }),
    )) as Response
    assert.equal(answer.status, 405)
    assert.equal(answer.headers.get('allow'), 'GET')
  })

  it('signOutEverywhere ends every session of the account on both instances, and later sign-ins live', async () => {
    const first = await signedIn()
    const second = await signedIn() // another browser: the jar starts empty
    assert.equal(await alive(first.copy), true)
    const user = (await b.authenticate(withCookie(second.copy))).user
    assert.ok(user)
    await b.signOutEverywhere(user)
    assert.equal(await alive(first.copy), false, 'the first browser is signed out')
    assert.equal(await alive(second.copy), false, 'and the second')
    await assert.rejects(b.getTokenForUser(user, ['User.Read']), {
      code: 'IDW_INTERACTION_REQUIRED',
    })
    await new Promise((r) => setTimeout(r, 1100)) // a session begun in a later second
    const later = await signedIn()
    assert.equal(await alive(later.copy), true)
  })
})
