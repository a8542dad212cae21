// The authenticated request's fast path: the synchronous AES-GCM opener on node:crypto, checked
// against jose on the same inputs; the cache of opened session cookies; and touch/touchNow, which
// must never let a changed, expired or revoked cookie through.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CompactEncrypt } from 'jose'
import { HeaderMemo } from '../../src/session/header-memo.ts'
import { createSessionManager, SessionRevocations } from '../../src/session/index.ts'
import { checkSecrets, deriveKeyRing, type KeyRing } from '../../src/session/keys.ts'
import { OpenedSessions } from '../../src/session/opened.ts'
import { DEFERRED, open, openSync, seal } from '../../src/session/seal.ts'
import type { SessionData } from '../../src/session/types.ts'
import { Jar, MemoryStore, requestWith, SECRET_A, SECRET_B, testClock, USER } from './helpers.ts'

const RUNS = 300

async function rings(): Promise<{ fast: KeyRing; joseOnly: KeyRing }> {
  const fast = await deriveKeyRing(checkSecrets([SECRET_A, SECRET_B], 'secrets'), 'session')
  const strip = (k: KeyRing['current']) => ({ ...k, fast: undefined })
  const joseOnly: KeyRing = {
    current: strip(fast.current),
    byKid: new Map([...fast.byKid].map(([kid, k]) => [kid, strip(k)])),
    byHeader: new Map(),
  }
  return { fast, joseOnly }
}

/** `value` with the character at `index` replaced by another base64url or separator character. */
function mutate(value: string, index: number, pick: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.='
  const at = index % value.length
  let c = alphabet.charAt(pick % alphabet.length)
  if (c === value.charAt(at)) c = alphabet.charAt((pick + 1) % alphabet.length)
  return value.slice(0, at) + c + value.slice(at + 1)
}

describe('the node:crypto opener, against jose', () => {
  it('opens what seal wrote, to the same value jose opens, for any JSON', async () => {
    const { fast, joseOnly } = await rings()
    assert.ok(fast.current.fast, 'node:crypto is available here, so the ring has a fast opener')
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const jwe = await seal(fast, value)
        const quick = openSync(fast, jwe, 100_000)
        assert.notEqual(quick, DEFERRED)
        assert.deepEqual(quick, await open(joseOnly, jwe, 100_000))
        assert.equal(openSync(joseOnly, jwe, 100_000), DEFERRED)
      }),
      { numRuns: 100 },
    )
  })

  it(`a value changed in any one character opens on neither path (${RUNS} runs)`, async () => {
    const { fast, joseOnly } = await rings()
    const jwe = await seal(fast, { sid: 'x'.repeat(43), createdAt: 1, user: USER })
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (index, pick) => {
        const changed = mutate(jwe, index, pick)
        assert.equal(await open(fast, changed, 100_000), undefined)
        assert.equal(await open(joseOnly, changed, 100_000), undefined)
      }),
      { numRuns: RUNS },
    )
  })

  it('leaves a header it did not write to jose: another member order still opens, a foreign kid does not', async () => {
    const { fast } = await rings()
    const plaintext = new TextEncoder().encode(JSON.stringify({ hello: 'world' }))
    const reordered = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ enc: 'A256GCM', kid: fast.current.kid, alg: 'dir' })
      .encrypt(fast.current.key)
    assert.equal(openSync(fast, reordered, 10_000), DEFERRED)
    assert.deepEqual(await open(fast, reordered, 10_000), { hello: 'world' })
    const foreign = await new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'someone-else' })
      .encrypt(fast.current.key)
    assert.equal(await open(fast, foreign, 10_000), undefined)
  })

  it('a key of the other purpose, or an older ring without the key, opens nothing', async () => {
    const { fast } = await rings()
    const tx = await deriveKeyRing(checkSecrets([SECRET_A], 'secrets'), 'transaction')
    const onlyB = await deriveKeyRing(checkSecrets([SECRET_B], 'secrets'), 'session')
    const jwe = await seal(fast, { a: 1 })
    assert.equal(openSync(tx, jwe, 10_000), DEFERRED) // not a header of that ring: jose decides
    assert.equal(await open(tx, jwe, 10_000), undefined)
    assert.equal(await open(onlyB, jwe, 10_000), undefined)
  })
})

describe('OpenedSessions', () => {
  const session = (sid: string): SessionData => ({
    sid,
    createdAt: 1,
    lastSeenAt: 1,
    user: { homeAccountId: 'h', claims: { roles: ['a'] } },
  })

  it('keeps at most maxEntries, the oldest going first, and freezes what it keeps', () => {
    const opened = new OpenedSessions(2, 1_000_000)
    const a = opened.set('a', session('a'), 10)
    opened.set('b', session('b'), 10)
    opened.set('c', session('c'), 10)
    assert.equal(opened.size, 2)
    assert.equal(opened.get('a'), undefined)
    assert.equal(opened.get('c')?.sid, 'c')
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.user.claims.roles))
  })

  it('keeps at most maxChars of values and plaintexts, and never one larger than that', () => {
    const opened = new OpenedSessions(100, 100)
    opened.set('x'.repeat(50), session('a'), 10)
    opened.set('y'.repeat(50), session('b'), 10)
    assert.equal(opened.size, 1)
    opened.set('z'.repeat(200), session('c'), 10)
    assert.equal(opened.get('z'.repeat(200)), undefined)
    assert.equal(opened.size, 1)
  })
})

describe('HeaderMemo: the parse of a Cookie header, remembered', () => {
  it('computes once per header, and again for any other header', () => {
    const memo = new HeaderMemo<string | undefined>()
    let calls = 0
    const parse = (h: string) => {
      calls++
      return h === 'none' ? undefined : h.toUpperCase()
    }
    assert.equal(memo.get('a=1', parse), 'A=1')
    assert.equal(memo.get('a=1', parse), 'A=1')
    assert.equal(memo.get('none', parse), undefined)
    assert.equal(memo.get('none', parse), undefined)
    assert.equal(calls, 2, 'an undefined answer is remembered too')
    assert.equal(memo.get('a=2', parse), 'A=2')
    assert.equal(calls, 3)
  })

  it('headers that end alike and are as long are never confused (regression guard)', () => {
    const memo = new HeaderMemo<string>()
    const tail = 't'.repeat(40)
    const a = `s=aaaa${tail}`
    const b = `s=bbbb${tail}`
    const parse = (h: string) => h.slice(2, 6)
    for (let i = 0; i < 3; i++) {
      assert.equal(memo.get(a, parse), 'aaaa')
      assert.equal(memo.get(b, parse), 'bbbb')
    }
    assert.equal(memo.get('short', parse), 'ort')
  })

  it('a flood of distinct headers stays within the entry and character bounds', () => {
    const memo = new HeaderMemo<number>(100, 10_000)
    for (let i = 0; i < 50_000; i++) {
      memo.get(`s=${i}${'x'.repeat(i % 300)}`, (h) => h.length)
      assert.ok(memo.size <= 100 && memo.chars <= 10_000)
    }
    assert.equal(
      memo.get('y'.repeat(20_000), (h) => h.length),
      20_000,
    )
    assert.ok(memo.chars <= 10_000, 'a header larger than the bound is answered, not kept')
  })
})

describe('touch and touchNow: the authenticated request', () => {
  async function signedIn(options: Parameters<typeof createSessionManager>[0]) {
    const sessions = createSessionManager(options)
    await new Promise((r) => setTimeout(r, 5)) // the keys are derived asynchronously at start
    const jar = new Jar().apply(
      await sessions.commit(requestWith(undefined), sessions.create(USER)),
    )
    return { sessions, jar }
  }

  it('answers at once with a frozen session, the same object for the same cookie', async () => {
    const { sessions, jar } = await signedIn({ secrets: [SECRET_A] })
    const first = sessions.touchNow(jar.request())
    const second = sessions.touchNow(jar.request())
    assert.ok(first?.session && second?.session)
    assert.equal(first.session, second.session)
    assert.deepEqual(first.setCookies, [])
    assert.ok(Object.isFrozen(first.session.user.claims))
    assert.throws(() => {
      ;(first.session as { lastSeenAt: number }).lastSeenAt = 0
    }, TypeError)
    // read() still hands out a fresh object to change and commit.
    const read = await sessions.read(jar.request())
    assert.ok(read && !Object.isFrozen(read))
    // A frozen session given to commit is re-sealed from a copy, not refused.
    const resealed = await sessions.commit(jar.request(), first.session)
    assert.equal(resealed.length, 1)
    const again = sessions.touchNow(new Jar().apply(resealed).request())
    assert.equal(again?.session?.sid, first.session.sid)
  })

  it(`a cookie changed in one character is anonymous even after the real one was opened (${RUNS} runs)`, async () => {
    const { sessions, jar } = await signedIn({ secrets: [SECRET_A] })
    assert.ok(sessions.touchNow(jar.request())?.session)
    const [name, value] = [...jar.cookies][0] as [string, string]
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (index, pick) => {
        const request = requestWith(`${name}=${mutate(value, index, pick)}`)
        assert.equal(sessions.touchNow(request)?.session, undefined)
        assert.equal((await sessions.touch(request)).session, undefined)
      }),
      { numRuns: RUNS },
    )
  })

  it('a cached cookie still expires, and is dead once its session is signed out', async () => {
    const clock = testClock()
    const { sessions, jar } = await signedIn({
      secrets: [SECRET_A],
      clock: clock.now,
      rollingSeconds: 3600,
      refreshFraction: 1,
    })
    const copy = jar.header()
    assert.ok(sessions.touchNow(jar.request())?.session)
    clock.advance(3600)
    assert.deepEqual(sessions.touchNow(requestWith(copy)), { session: undefined, setCookies: [] })
    clock.advance(-3600)
    assert.ok(sessions.touchNow(requestWith(copy))?.session)
    await sessions.destroy(jar.request())
    assert.equal(sessions.touchNow(requestWith(copy))?.session, undefined)
    assert.equal((await sessions.touch(requestWith(copy))).session, undefined)
  })

  it('a roll that is due waits for touch, which re-seals and answers the new cookie', async () => {
    const clock = testClock()
    const { sessions, jar } = await signedIn({
      secrets: [SECRET_A],
      clock: clock.now,
      rollingSeconds: 1000,
      refreshFraction: 0.1,
    })
    clock.advance(100)
    assert.equal(sessions.touchNow(jar.request()), undefined)
    const rolled = await sessions.touch(jar.request())
    assert.equal(rolled.setCookies.length, 1)
    assert.equal(rolled.session?.lastSeenAt, clock.seconds())
    assert.ok(Object.isFrozen(rolled.session))
    jar.apply(rolled.setCookies)
    assert.deepEqual(sessions.touchNow(jar.request())?.setCookies, [])
  })

  it('waits when the answer needs a store: store mode, or revocations another instance records', async () => {
    const store = new MemoryStore()
    const stored = await signedIn({ secrets: [SECRET_A], store })
    assert.equal(stored.sessions.touchNow(stored.jar.request()), undefined)
    assert.ok((await stored.sessions.touch(stored.jar.request())).session)

    const shared = new MemoryStore()
    const options = { secrets: [SECRET_A], revocations: new SessionRevocations({ store: shared }) }
    const here = await signedIn(options)
    assert.equal(here.sessions.touchNow(here.jar.request()), undefined)
    const other = createSessionManager({
      secrets: [SECRET_A],
      revocations: new SessionRevocations({ store: shared }),
    })
    await other.destroy(here.jar.request()) // signed out on another instance
    assert.equal((await here.sessions.touch(here.jar.request())).session, undefined)
  })

  it('a SessionRevocations subclass is asked every time, never bypassed', async () => {
    let asked = 0
    let everyone = false
    class Everyone extends SessionRevocations {
      override async isRevoked(): Promise<boolean> {
        asked++
        return everyone
      }
    }
    const { sessions, jar } = await signedIn({ secrets: [SECRET_A], revocations: new Everyone() })
    everyone = true
    assert.equal(sessions.touchNow(jar.request()), undefined)
    assert.equal((await sessions.touch(jar.request())).session, undefined)
    assert.ok(asked >= 1)
  })
})
