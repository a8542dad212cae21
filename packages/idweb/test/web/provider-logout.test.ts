// Sign-out at the provider: OpenID Connect back-channel logout tokens sent by the dev IdP
// (oidc-provider) to a listening app, front-channel requests as the signed-out page frames them,
// and forged, replayed, expired, misdirected and nonce-bearing tokens, none of which may sign
// anybody out. Two app instances share one store, as two nodes behind a load balancer would.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, startDevIdp } from '@idweb/dev-idp'
import { providerSigningKey, signOut } from '@idweb/dev-idp/testing'
import express from 'express'
import { generateKeyPair, SignJWT } from 'jose'
import { idwebMiddleware } from '../../src/adapters/express/index.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import type { Idweb } from '../../src/web/idweb.ts'
import { type Listening, listen } from '../adapters/express/support.ts'
import { APP, alice, bob, demo, type Harness, startHarness, withCookie } from './harness.ts'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
const directoryFile = new URL('../../../dev-idp/directory.json', import.meta.url)

/** The shared store, whose writes can be made to fail (a real one cannot, on demand). */
class FlakyStore extends MemoryStore {
  failWrites = false
  override async set(key: string, value: Uint8Array, ttlSeconds?: number): Promise<void> {
    if (this.failWrites) throw new Error('the store is down')
    return super.set(key, value, ttlSeconds)
  }
}

describe('sign-out at the provider reaches every instance', () => {
  let idp: DevIdp
  let h: Harness
  let b: Idweb
  let server: Listening
  /** Every logout token the provider posted, as the app received it. */
  const received: string[] = []
  /** What the app answered each back-channel request. */
  const answered: number[] = []
  let target: () => Idweb
  let store: FlakyStore

  before(async () => {
    // The app listens first, so the provider's registration can name its back-channel URI.
    const app = express()
    app.post('/backchannel-logout', express.urlencoded({ extended: false }), (req, res, next) => {
      const token = (req.body as Record<string, unknown> | undefined)?.logout_token
      if (typeof token === 'string') received.push(token)
      res.on('finish', () => answered.push(res.statusCode))
      next()
    })
    app.use((req, res, next) => idwebMiddleware(target())(req, res, next))
    server = await listen(app, '127.0.0.1')
    const directory = JSON.parse(readFileSync(directoryFile, 'utf8'))
    const webApp = directory.apps.find(
      (a: { appId: string }) => a.appId === demo.apps.webApp.clientId,
    )
    webApp.backchannelLogoutUri = `${server.url}/backchannel-logout`
    idp = await startDevIdp({ port: 0, host: '127.0.0.1', directory })
    store = new FlakyStore()
    const keys = [{ id: 'k1', key: randomBytes(32) }]
    h = await startHarness({ sharedIdp: idp, deps: { cache: new TokenCache({ store, keys }) } })
    b = createPeer(h, store, keys)
    target = () => h.idweb
  })
  after(async () => {
    await b.close()
    await h.close()
    await server.close()
    await idp.close()
  })

  function createPeer(harness: Harness, store: MemoryStore, keys: { id: string; key: Buffer }[]) {
    const current = harness.idweb
    const peer = harness.restart({ cache: new TokenCache({ store, keys }) })
    harness.idweb = current
    return peer
  }

  async function signedIn(user: { username: string; password: string } = alice): Promise<string> {
    h.jar.clear()
    const { callback } = await h.signIn(user)
    assert.equal(callback.status, 303)
    const copy = h.jar.header(APP) ?? ''
    assert.ok((await h.idweb.authenticate(withCookie(copy))).user, 'signed in on A')
    assert.ok((await b.authenticate(withCookie(copy))).user, 'and the same cookie on B')
    return copy
  }

  async function signOutAtProvider(): Promise<void> {
    const logout = `${idp.issuer(demo.tenants.contoso.id)}`.replace('/v2.0', '/oauth2/v2.0/logout')
    const before = received.length
    await signOut(logout, { jar: h.jar })
    assert.ok(received.length > before, 'the provider posted a logout token')
    assert.equal(answered.at(-1), 200, 'and the app accepted it')
  }

  async function post(token: string): Promise<Response> {
    return fetch(`${server.url}/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }),
    })
  }

  async function alive(copy: string): Promise<boolean> {
    const [onA, onB] = await Promise.all([
      h.idweb.authenticate(withCookie(copy)),
      b.authenticate(withCookie(copy)),
    ])
    return onA.user !== undefined && onB.user !== undefined
  }

  /** A logout token as the provider signs them, with `claims` changed. */
  async function crafted(claims: Record<string, unknown>, header = {}): Promise<string> {
    const { key, kid } = providerSigningKey()
    const now = Math.floor(Date.now() / 1000)
    const payload: Record<string, unknown> = {
      iss: idp.issuer(demo.tenants.contoso.id),
      aud: demo.apps.webApp.clientId,
      iat: now,
      exp: now + 120,
      jti: randomUUID(),
      events: { [EVENT]: {} },
      sub: 'someone',
      sid: 'a-provider-session',
      ...claims,
    }
    for (const [name, value] of Object.entries(payload))
      if (value === undefined) delete payload[name]
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt', ...header })
      .sign(key)
  }

  it('the ID token carries sid, and the session keeps it', async () => {
    const copy = await signedIn()
    const found = await h.idweb.authenticate(withCookie(copy))
    assert.equal(typeof found.user?.claims.sid, 'string')
  })

  it('signing out at the provider ends the session on both instances, every copy of the cookie, and its tokens', async () => {
    const copy = await signedIn()
    const user = (await h.idweb.authenticate(withCookie(copy))).user
    assert.ok(user)
    await h.idweb.getTokenForUser(user, ['User.Read'])
    await signOutAtProvider()
    assert.equal(await alive(copy), false, 'the copy opens nothing on A or B')
    await assert.rejects(h.idweb.getTokenForUser(user, ['User.Read']), {
      code: 'IDW_INTERACTION_REQUIRED',
    })
  })

  it('a replay of the real logout token is refused once the user signed in again', async () => {
    await signedIn()
    await signOutAtProvider()
    const used = received.at(-1) as string
    const copy = await signedIn()
    const replay = await post(used)
    assert.equal(replay.status, 400)
    assert.equal((await replay.json()).error, 'invalid_request')
    assert.equal(await alive(copy), true, 'the new session lives on')
  })

  type Live = { sid?: string; sub?: string }
  const now = () => Math.floor(Date.now() / 1000)
  const refused: [string, (live: Live) => Promise<string>][] = [
    [
      'forged: signed by a key the provider never published',
      async (live) => {
        const { privateKey } = await generateKeyPair('RS256')
        const { kid } = providerSigningKey()
        return new SignJWT({ ...base(), ...live })
          .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
          .sign(privateKey)
      },
    ],
    ['expired', (live) => crafted({ ...live, iat: now() - 3600, exp: now() - 3000 })],
    ['too old, with no exp', (live) => crafted({ ...live, iat: now() - 3600, exp: undefined })],
    ['without exp', (live) => crafted({ ...live, exp: undefined })],
    [
      'for this app and another one',
      (live) => crafted({ ...live, aud: [demo.apps.webApp.clientId, demo.apps.todoApi.clientId] }),
    ],
    ['issued in the future', (live) => crafted({ ...live, iat: now() + 3600, exp: now() + 7200 })],
    ['for another app', (live) => crafted({ ...live, aud: demo.apps.todoApi.clientId })],
    [
      'from another issuer',
      (live) =>
        crafted({
          ...live,
          iss: idp.issuer(demo.tenants.contoso.id).replace(demo.tenants.contoso.id, randomUUID()),
        }),
    ],
    [
      'bearing a nonce (an ID token, not a logout token)',
      (live) => crafted({ ...live, nonce: 'n' }),
    ],
    [
      'without the logout event',
      (live) => crafted({ ...live, events: { 'http://example.com/x': {} } }),
    ],
    ['whose event is not an object', (live) => crafted({ ...live, events: { [EVENT]: 'yes' } })],
    ['naming neither sid nor sub', () => crafted({ sid: undefined, sub: undefined })],
    ['without jti', (live) => crafted({ ...live, jti: undefined })],
    ['typed as an access token', (live) => crafted({ ...live }, { typ: 'at+jwt' })],
    [
      'signed with none',
      async (live) => {
        const body = Buffer.from(JSON.stringify({ ...base(), ...live })).toString('base64url')
        return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`
      },
    ],
  ]

  function base(): Record<string, unknown> {
    return {
      iss: idp.issuer(demo.tenants.contoso.id),
      aud: demo.apps.webApp.clientId,
      iat: now(),
      jti: randomUUID(),
      events: { [EVENT]: {} },
    }
  }

  for (const [name, make] of refused) {
    it(`a logout token ${name} is refused with 400, and signs nobody out`, async () => {
      const copy = await signedIn()
      const claims = (await h.idweb.authenticate(withCookie(copy))).user?.claims ?? {}
      // Aimed at the live session: its own sid and sub.
      const answer = await post(await make({ sid: String(claims.sid), sub: String(claims.sub) }))
      assert.equal(answer.status, 400, name)
      const body = await answer.json()
      assert.equal(body.error, 'invalid_request')
      assert.equal(typeof body.error_description, 'string')
      assert.equal(await alive(copy), true, 'still signed in on A and B')
    })
  }

  it('a crafted but valid token for the live session does sign it out (the negative cases above are not vacuous)', async () => {
    const copy = await signedIn()
    const claims = (await h.idweb.authenticate(withCookie(copy))).user?.claims ?? {}
    const answer = await post(await crafted({ sid: claims.sid, sub: claims.sub }))
    assert.equal(answer.status, 200)
    assert.equal(await alive(copy), false)
  })

  it('when the shared store cannot record the logout: 400 temporarily_unavailable, and the same token works once it can', async () => {
    const copy = await signedIn()
    const claims = (await h.idweb.authenticate(withCookie(copy))).user?.claims ?? {}
    const token = await crafted({ sid: claims.sid, sub: claims.sub })
    store.failWrites = true
    let answer: Response
    try {
      answer = await post(token)
    } finally {
      store.failWrites = false
    }
    assert.equal(answer.status, 400)
    assert.equal((await answer.json()).error, 'temporarily_unavailable')
    const retry = await post(token)
    assert.equal(retry.status, 200, 'the token was not spent by the failed attempt')
    assert.equal(await alive(copy), false)
  })

  it('a token naming only sub ends every session of that subject, and sessions begun later live', async () => {
    const first = await signedIn(bob)
    const claims = (await h.idweb.authenticate(withCookie(first))).user?.claims ?? {}
    const answer = await post(await crafted({ sid: undefined, sub: claims.sub }))
    assert.equal(answer.status, 200)
    assert.equal(await alive(first), false)
    await new Promise((r) => setTimeout(r, 1100)) // a session begun in a later second
    const later = await signedIn(bob)
    assert.equal(await alive(later), true)
  })

  it('malformed requests get 400, 405 or 415-like refusals, never a 500', async () => {
    const cases: [RequestInit, number][] = [
      [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 400],
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
        },
        400,
      ],
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'logout_token=a&logout_token=b',
        },
        400,
      ],
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'logout_token=not.a.jwt',
        },
        400,
      ],
      [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `logout_token=${'a'.repeat(40_000)}`,
        },
        400,
      ],
      [{ method: 'GET' }, 405],
    ]
    for (const [init, status] of cases) {
      const answer = await fetch(`${server.url}/backchannel-logout`, init)
      assert.equal(answer.status, status, JSON.stringify(init).slice(0, 80))
    }
  })
})
