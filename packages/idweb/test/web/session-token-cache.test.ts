// The session token cache (`Idweb.TokenCache.Store = session`): each session's tokens live with its
// server-side session record, in the session store (here the real local Redis), end with the
// session, and never travel in the cookie.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, startDevIdp } from '@idweb/dev-idp'
import { Redis } from 'ioredis'
import type { IdwebOptions } from '../../src/config/options.ts'
import { ConfigError } from '../../src/errors.ts'
import { createIdweb } from '../../src/web/idweb.ts'
import { APP, alice, bob, type Harness, SECRETS, startHarness, withCookie } from './harness.ts'

const REDIS = 'redis://127.0.0.1:6379'
const ROLLING = 3600

/** An app on an unreachable provider: configuration is checked before anything connects. */
const appWith = (settings: Partial<IdwebOptions>) =>
  createIdweb(
    {
      instance: 'http://127.0.0.1:1/',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '00000000-0000-0000-0000-000000000001',
      clientSecret: 'x',
      allowInsecureHttp: true,
      ...settings,
    },
    { env: {} },
  )

describe('session token cache: configuration', () => {
  it('refuses "session" when sessions live in the cookie, naming the setting', () => {
    assert.throws(
      () => appWith({ session: { secrets: SECRETS }, tokenCache: { store: 'session' } }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes('Idweb.TokenCache.Store') &&
        err.message.includes('Idweb.Session.Store'),
    )
  })

  it('refuses a session store URL that names no store, naming the setting', () => {
    assert.throws(
      () => appWith({ session: { secrets: SECRETS, store: 'ftp://nowhere' } }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('session.store'),
    )
  })
})

describe('session token cache on Redis, two instances', () => {
  let idp: DevIdp
  let a: Harness
  let b: Harness
  const redis = new Redis(REDIS, { lazyConnect: true })
  const tokenKeys = async () => {
    const found: string[] = []
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        '*idweb:session:tokens:*',
        'COUNT',
        1000,
      )
      cursor = next
      found.push(...keys)
    } while (cursor !== '0')
    return new Set(found)
  }

  before(async () => {
    await redis.connect()
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
    // A generous store timeout for the token cache and the revocation records it shares: a
    // loaded machine can make a real Redis call slower than the 250 ms default.
    const app = {
      session: { secrets: SECRETS, store: REDIS, rollingSeconds: ROLLING },
      tokenCache: { store: 'session', storeTimeoutMs: 5000 },
    }
    a = await startHarness({ sharedIdp: idp, app })
    b = await startHarness({ sharedIdp: idp, app })
    await a.idweb.ready()
    await b.idweb.ready()
  })
  after(async () => {
    await a.close()
    await b.close()
    await idp.close()
    redis.disconnect()
  })

  async function signIn(h: Harness, user: { username: string; password: string } = alice) {
    h.jar.clear()
    const before = await tokenKeys()
    const { callback } = await h.signIn(user)
    assert.equal(callback.status, 303)
    const added = [...(await tokenKeys())].filter((k) => !before.has(k))
    return { cookie: h.jar.header(APP) ?? '', added }
  }

  it("a sign-in writes one sealed entry beside the session, with the session's idle lifetime; the cookie holds only a reference", async () => {
    const { cookie, added } = await signIn(a)
    assert.equal(added.length, 1)
    const blob = await redis.getBuffer(added[0]!)
    assert.ok(blob && blob.length > 0)
    const text = blob.toString('latin1')
    for (const plain of ['eyJ', 'alice', 'refresh', 'contoso']) {
      assert.ok(!text.includes(plain), `no ${plain} in plaintext`)
    }
    const ttl = await redis.ttl(added[0]!)
    assert.ok(ttl > ROLLING - 60 && ttl <= ROLLING, `ttl ${ttl}`)
    assert.ok(cookie.length < 700, `a reference, not tokens: ${cookie.length} bytes of cookie`)
    const user = (await a.idweb.authenticate(withCookie(cookie))).user
    assert.ok(user)
    const token = await a.idweb.getTokenForUser(user, ['User.Read'])
    assert.equal(token.fromCache, true)
  })

  it("another instance serves the session's tokens from the session store, with no new sign-in or provider call", async () => {
    const { cookie } = await signIn(a)
    const user = (await b.idweb.authenticate(withCookie(cookie))).user
    assert.ok(user, 'the session is known to the other instance')
    const token = await b.idweb.getTokenForUser(user, ['User.Read'])
    assert.equal(token.fromCache, true)
    const mine = await a.idweb.getTokenForUser(
      (await a.idweb.authenticate(withCookie(cookie))).user!,
      ['User.Read'],
    )
    assert.equal(token.accessToken, mine.accessToken)
  })

  it('two sessions of one user have their own tokens: signing out one leaves the other', async () => {
    const first = await signIn(a, bob)
    const second = await signIn(b, bob)
    assert.notEqual(first.added[0], second.added[0])
    await b.app('/signout', { method: 'POST' })
    const left = await tokenKeys()
    assert.ok(!left.has(second.added[0]!), "the signed-out session's tokens are gone")
    assert.ok(left.has(first.added[0]!), 'the other session keeps its tokens')
    const user = (await a.idweb.authenticate(withCookie(first.cookie))).user!
    assert.equal((await a.idweb.getTokenForUser(user, ['User.Read'])).fromCache, true)
  })

  it('sign-out on one instance removes the tokens for every instance', async () => {
    const { cookie, added } = await signIn(a)
    const user = (await b.idweb.authenticate(withCookie(cookie))).user!
    await b.idweb.getTokenForUser(user, ['User.Read']) // now in b's memory too
    a.jar.clear()
    const out = await a.app('/signout', { method: 'POST', headers: { cookie } })
    assert.equal(out.status, 302)
    assert.ok(!(await tokenKeys()).has(added[0]!))
    assert.equal((await b.idweb.authenticate(withCookie(cookie))).user, undefined)
    await assert.rejects(
      b.idweb.getTokenForUser(user, ['User.Read']),
      /IDW_INTERACTION_REQUIRED|interaction/i,
    )
  })

  it("a new sign-in over a session removes the replaced session's tokens", async () => {
    const first = await signIn(a)
    // Same browser, signing in again: the jar still carries the first session's cookie.
    const { callback } = await a.signIn(alice)
    assert.equal(callback.status, 303)
    assert.ok(!(await tokenKeys()).has(first.added[0]!))
  })
})
