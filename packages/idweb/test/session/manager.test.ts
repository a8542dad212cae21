import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isIdwebError } from '../../src/errors.ts'
import { createSessionManager, type SessionOptions } from '../../src/session/index.ts'
import {
  HTTPS,
  Jar,
  LOOPBACK,
  parseSetCookie,
  requestWith,
  SECRET_A,
  SECRET_B,
  SECRET_C,
  testClock,
  USER,
} from './helpers.ts'

function configError(options: Partial<SessionOptions>, key: string, message: RegExp) {
  assert.throws(
    () => createSessionManager({ secrets: [SECRET_A], ...options }),
    (err: unknown) => {
      assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'))
      assert.equal((err as { key?: string }).key, key)
      assert.match(err.message, message)
      return true
    },
  )
}

describe('session configuration', () => {
  it('refuses secrets shorter than 32 characters or bytes, naming the entry', () => {
    configError(
      { secrets: [SECRET_A, 'x'.repeat(31)] },
      'session.secrets[1]',
      /^session\.secrets\[1\]: must be at least 32 characters/,
    )
    configError({ secrets: [new Uint8Array(31)] }, 'session.secrets[0]', /at least 32 bytes/)
    configError({ secrets: [] }, 'session.secrets', /is required/)
    configError(
      { secrets: [SECRET_A, SECRET_B, SECRET_A] },
      'session.secrets[2]',
      /repeats session\.secrets\[0\]/,
    )
    assert.ok(createSessionManager({ secrets: ['x'.repeat(32), new Uint8Array(32).fill(7)] }))
  })

  it('refuses unsafe or malformed settings, naming them', () => {
    configError({ rollingSeconds: 0 }, 'session.rollingSeconds', /whole number/)
    configError({ absoluteSeconds: 1.5 }, 'session.absoluteSeconds', /whole number/)
    configError({ maxChunks: 11 }, 'session.maxChunks', /1 to 10/)
    configError({ cookieName: 'a b' }, 'session.cookieName', /letters/)
    configError({ cookieName: '__Host-s' }, 'session.cookieName', /hostPrefix/)
    configError(
      { transactionCookiePrefix: 'idweb.session.tx' },
      'session.transactionCookiePrefix',
      /overlap/,
    )
    configError({ refreshFraction: 2 }, 'session.refreshFraction', /0 to 1/)
    configError({ secure: 'yes' as unknown as boolean }, 'session.secure', /'auto'/)
  })
})

describe('session round trip and cookie attributes', () => {
  it('reads back what it committed, and nothing without a cookie', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    assert.equal(await sessions.read(requestWith(undefined)), undefined)
    const created = sessions.create(USER, { theme: 'dark' })
    const jar = new Jar().apply(await sessions.commit(requestWith(undefined), created))
    assert.deepEqual(jar.names(), ['idweb.session'])
    assert.deepEqual(await sessions.read(jar.request()), created)
  })

  it('writes HttpOnly, SameSite=Lax, Path=/, Secure, host-only, Max-Age = rolling lifetime on https', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A], rollingSeconds: 3600 })
    const [cookie, ...rest] = await sessions.commit(requestWith(undefined), sessions.create(USER))
    assert.equal(rest.length, 0)
    const { attributes } = parseSetCookie(cookie ?? '')
    assert.deepEqual([...attributes.keys()].sort(), [
      'httponly',
      'max-age',
      'path',
      'samesite',
      'secure',
    ])
    assert.equal(attributes.get('samesite'), 'Lax')
    assert.equal(attributes.get('path'), '/')
    assert.equal(attributes.get('max-age'), '3600')
  })

  it('omits Secure only on plain-http loopback, unless told otherwise', async () => {
    const secureOf = async (url: string, secure?: boolean | 'auto') => {
      const sessions = createSessionManager({
        secrets: [SECRET_A],
        ...(secure === undefined ? {} : { secure }),
      })
      const [cookie] = await sessions.commit(requestWith(undefined, url), sessions.create(USER))
      return parseSetCookie(cookie ?? '').attributes.has('secure')
    }
    assert.equal(await secureOf('http://localhost:3000/'), false)
    assert.equal(await secureOf('http://127.0.0.1:3000/'), false)
    assert.equal(await secureOf('http://[::1]:3000/'), false)
    assert.equal(await secureOf('http://app.internal:3000/'), true)
    assert.equal(await secureOf('https://localhost/'), true)
    assert.equal(await secureOf('http://localhost:3000/', true), true)
    assert.equal(await secureOf('https://app.example/', false), false)
  })

  it('bounds Max-Age by what is left of the absolute lifetime', async () => {
    const clock = testClock()
    const sessions = createSessionManager({
      secrets: [SECRET_A],
      rollingSeconds: 3600,
      absoluteSeconds: 7200,
      clock: clock.now,
    })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    clock.advance(3500)
    const midway = await sessions.read(jar.request())
    assert.ok(midway)
    const [first] = await sessions.commit(jar.request(), midway)
    assert.equal(parseSetCookie(first ?? '').attributes.get('max-age'), '3600')
    jar.apply([first ?? ''])
    clock.advance(3500)
    // Re-sealed by activity, but the cookie may only live until the absolute end.
    const session = await sessions.read(jar.request())
    assert.ok(session)
    session.extra = { touched: true }
    const [cookie] = await sessions.commit(jar.request(), session)
    assert.equal(parseSetCookie(cookie ?? '').attributes.get('max-age'), '200')
  })

  it('uses the __Host- prefix when asked and Secure, not on plain-http loopback', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A], hostPrefix: true })
    const https = new Jar().apply(
      await sessions.commit(requestWith(undefined, HTTPS), sessions.create(USER)),
    )
    assert.deepEqual(https.names(), ['__Host-idweb.session'])
    assert.ok(await sessions.read(https.request(HTTPS)))
    const loop = new Jar().apply(
      await sessions.commit(requestWith(undefined, LOOPBACK), sessions.create(USER)),
    )
    assert.deepEqual(loop.names(), ['idweb.session'])
    assert.ok(await sessions.read(loop.request(LOOPBACK)))
  })
})

function jar0() {
  return requestWith(undefined)
}

describe('session identity (no fixation)', () => {
  it('gives every created session a new random sid', () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const sids = new Set(Array.from({ length: 100 }, () => sessions.create(USER).sid))
    assert.equal(sids.size, 100)
    for (const sid of sids) assert.match(sid, /^[A-Za-z0-9_-]{43}$/)
  })

  it('replaces the sid of an existing session at sign-in', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    const before = await sessions.read(jar.request())
    jar.apply(await sessions.commit(jar.request(), sessions.create(USER)))
    const after = await sessions.read(jar.request())
    assert.ok(before && after)
    assert.notEqual(before.sid, after.sid)
  })
})

describe('secret rotation', () => {
  it('opens with any listed secret, seals with the first, forgets removed ones', async () => {
    const old = createSessionManager({ secrets: [SECRET_B] })
    const jar = new Jar().apply(await old.commit(jar0(), old.create(USER)))

    const rotating = createSessionManager({ secrets: [SECRET_A, SECRET_B] })
    const session = await rotating.read(jar.request())
    assert.equal(session?.user.homeAccountId, USER.homeAccountId)

    const rotatedOut = createSessionManager({ secrets: [SECRET_A, SECRET_C] })
    assert.equal(await rotatedOut.read(jar.request()), undefined)

    // A write under the rotation uses the first secret: only managers holding it can read it.
    const rewritten = new Jar().apply(await rotating.commit(jar0(), rotating.create(USER)))
    assert.equal(await old.read(rewritten.request()), undefined)
    assert.ok(await createSessionManager({ secrets: [SECRET_A] }).read(rewritten.request()))
  })
})

describe('lifetimes', () => {
  it('ends exactly at the rolling (idle) lifetime', async () => {
    const clock = testClock()
    const sessions = createSessionManager({
      secrets: [SECRET_A],
      rollingSeconds: 600,
      clock: clock.now,
    })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    clock.advance(599)
    assert.ok(await sessions.read(jar.request()))
    clock.advance(1)
    assert.equal(await sessions.read(jar.request()), undefined)
  })

  it('ends exactly at the absolute lifetime, however active the user', async () => {
    const clock = testClock()
    const sessions = createSessionManager({
      secrets: [SECRET_A],
      rollingSeconds: 600,
      absoluteSeconds: 3000,
      clock: clock.now,
    })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    // Active every 500 s: each commit re-seals (500 > 10% of 600), so idle never ends it.
    for (let t = 500; t < 3000; t += 500) {
      clock.advance(500)
      const s = await sessions.read(jar.request())
      assert.ok(s, `alive at ${t}`)
      jar.apply(await sessions.commit(jar.request(), s))
    }
    clock.advance(499)
    assert.ok(await sessions.read(jar.request()), 'alive at 2999')
    clock.advance(1)
    assert.equal(await sessions.read(jar.request()), undefined, 'ended at 3000')
  })

  it('re-seals an unchanged session only after the refresh fraction has passed', async () => {
    const clock = testClock()
    const sessions = createSessionManager({
      secrets: [SECRET_A],
      rollingSeconds: 1000,
      refreshFraction: 0.1,
      clock: clock.now,
    })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    clock.advance(99)
    const early = await sessions.read(jar.request())
    assert.ok(early)
    assert.deepEqual(await sessions.commit(jar.request(), early), [])
    clock.advance(1)
    const due = await sessions.read(jar.request())
    assert.ok(due)
    const headers = await sessions.commit(jar.request(), due)
    assert.equal(headers.length, 1)
    assert.equal(due.lastSeenAt, clock.seconds())
    jar.apply(headers)
    assert.equal((await sessions.read(jar.request()))?.lastSeenAt, clock.seconds())
    // Committing the same object again in the same request writes nothing more.
    assert.deepEqual(await sessions.commit(jar.request(), due), [])
  })

  it('re-seals at once when the session changed', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    const session = await sessions.read(jar.request())
    assert.ok(session)
    session.user.claims.name = 'Grace'
    jar.apply(await sessions.commit(jar.request(), session))
    assert.equal((await sessions.read(jar.request()))?.user.claims.name, 'Grace')
  })

  it('never revives an ended session on commit', async () => {
    const clock = testClock()
    const sessions = createSessionManager({
      secrets: [SECRET_A],
      rollingSeconds: 600,
      clock: clock.now,
    })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    const session = await sessions.read(jar.request())
    assert.ok(session)
    clock.advance(600)
    session.extra = { late: true }
    jar.apply(await sessions.commit(jar.request(), session))
    assert.deepEqual(jar.names(), [])
  })

  it('ends the session on commit(undefined) and clear()', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.commit(jar0(), sessions.create(USER)))
    const clearing = await sessions.commit(jar.request(), undefined)
    assert.equal(parseSetCookie(clearing[0] ?? '').attributes.get('max-age'), '0')
    assert.deepEqual(
      new Jar()
        .apply(await sessions.commit(jar0(), sessions.create(USER)))
        .apply(clearing)
        .names(),
      [],
    )
    assert.deepEqual(
      sessions.clear(jar0()).map((c) => parseSetCookie(c).name),
      ['idweb.session'],
    )
  })
})
