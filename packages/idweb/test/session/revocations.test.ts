import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { createSessionManager, SessionRevocations } from '../../src/session/index.ts'
import { captureLogger } from '../api/support/capture-logger.ts'
import { HTTPS, Jar, SECRET_A, testClock } from './helpers.ts'

const user = { homeAccountId: 'oid.tid', claims: { iss: 'https://issuer', sub: 's', name: 'A' } }

describe('session revocations', () => {
  it('sign-out leaves a copied cookie valid (regression): destroy revokes it until its absolute expiry', async () => {
    const clock = testClock()
    const sessions = createSessionManager({ secrets: [SECRET_A], clock: clock.now })
    const jar = new Jar().apply(await sessions.commit(new Request(HTTPS), sessions.create(user)))
    const copy = jar.request()
    assert.ok(await sessions.read(copy), 'signed in')
    jar.apply(await sessions.destroy(jar.request()))
    assert.equal(await sessions.read(copy), undefined, 'the copied cookie opens nothing')
    clock.advance(6 * 86_400)
    assert.equal(await sessions.read(copy), undefined, 'still dead a day before its expiry')
  })

  it('the same in store mode, where the cookie only names the server-side session', async () => {
    const store = new MemoryStore()
    const sessions = createSessionManager({ secrets: [SECRET_A], store })
    const jar = new Jar().apply(await sessions.commit(new Request(HTTPS), sessions.create(user)))
    const copy = jar.request()
    await sessions.destroy(jar.request())
    assert.equal(await sessions.read(copy), undefined)
  })

  it('a session replaced by a new sign-in ends: a copy of the old cookie opens nothing', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.commit(new Request(HTTPS), sessions.create(user)))
    const old = jar.request()
    jar.apply(
      await sessions.commit(jar.request(), sessions.create({ ...user, homeAccountId: 'b' })),
    )
    assert.equal(await sessions.read(old), undefined, 'the replaced session is dead')
    assert.equal((await sessions.read(jar.request()))?.user.homeAccountId, 'b')
  })

  it('rolling a live session revokes nothing', async () => {
    const clock = testClock()
    const revocations = new SessionRevocations({ clock: clock.now })
    const sessions = createSessionManager({ secrets: [SECRET_A], clock: clock.now, revocations })
    const jar = new Jar().apply(await sessions.commit(new Request(HTTPS), sessions.create(user)))
    for (let i = 0; i < 5; i++) {
      clock.advance(20_000)
      const session = await sessions.read(jar.request())
      assert.ok(session)
      jar.apply(await sessions.commit(jar.request(), session))
    }
    assert.equal(revocations.size, 0)
  })

  it('a revocation recorded by one instance is seen by another through the shared store', async () => {
    const store = new MemoryStore()
    const a = createSessionManager({
      secrets: [SECRET_A],
      revocations: new SessionRevocations({ store }),
    })
    const b = createSessionManager({
      secrets: [SECRET_A],
      revocations: new SessionRevocations({ store }),
    })
    const jar = new Jar().apply(await a.commit(new Request(HTTPS), a.create(user)))
    const copy = jar.request()
    assert.ok(await b.read(copy), 'instance B accepts the session')
    await a.destroy(jar.request())
    assert.equal(await b.read(copy), undefined, 'instance B refuses the signed-out cookie')
    assert.equal(store.size, 1, 'one record')
  })

  it('records expire with the cookie: the store TTL is the remaining absolute lifetime', async () => {
    const clock = testClock()
    const store = new MemoryStore({ clock: clock.now })
    const revocations = new SessionRevocations({ store, clock: clock.now })
    await revocations.revoke('sid-1', clock.seconds() + 100)
    assert.equal(await revocations.isRevoked('sid-1'), true)
    clock.advance(100)
    assert.equal(await revocations.isRevoked('sid-1'), false)
    assert.equal(store.size, 0)
    assert.equal(revocations.size, 0)
    await revocations.revoke('sid-2', clock.seconds() - 1)
    assert.equal(store.size, 0, 'nothing recorded for a cookie that has expired anyway')
  })

  it('a failing store reads as not revoked, warns once, and the local record still holds', async () => {
    const log = captureLogger()
    let fail = false
    const store = new MemoryStore()
    const flaky = {
      get: (key: string) => (fail ? Promise.reject(new Error('down')) : store.get(key)),
      set: (key: string, value: Uint8Array, ttl?: number) =>
        fail ? Promise.reject(new Error('down')) : store.set(key, value, ttl),
    }
    let now = Date.now()
    const here = new SessionRevocations({ store: flaky, logger: log, clock: () => now })
    const there = new SessionRevocations({ store: flaky, logger: log })
    await there.revoke('elsewhere', Math.floor(Date.now() / 1000) + 600)
    fail = true
    assert.equal(await here.revoke('local', Math.floor(Date.now() / 1000) + 600), false)
    assert.equal(await here.isRevoked('local'), true, 'revoked here whatever the store does')
    assert.equal(await here.isRevoked('elsewhere'), false, 'unknown while the store is down')
    assert.equal(await here.isRevoked('elsewhere'), false)
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1, 'one warning')
    assert.ok(
      log.lines.some((l) => l.level === 'error'),
      'the unrecorded sign-out is an error',
    )
    fail = false
    assert.equal(await here.isRevoked('elsewhere'), false, 'skipped while the breaker is open')
    now += 1001
    assert.equal(await here.isRevoked('elsewhere'), true, 'seen again once the store is back')
  })

  it('a hung store costs at most the store timeout', async () => {
    const hung = { get: () => new Promise<undefined>(() => {}), set: async () => {} }
    const revocations = new SessionRevocations({ store: hung, storeTimeoutMs: 50 })
    const t0 = performance.now()
    assert.equal(await revocations.isRevoked('x'), false)
    assert.ok(performance.now() - t0 < 500)
  })

  it('a signed-out cookie stays dead however many sessions end after it (regression: the overflow forgot it)', async () => {
    const clock = testClock()
    const revocations = new SessionRevocations({ maxEntries: 5, clock: clock.now })
    const sessions = createSessionManager({ secrets: [SECRET_A], clock: clock.now, revocations })
    const victim = new Jar().apply(await sessions.commit(new Request(HTTPS), sessions.create(user)))
    const copy = victim.request()
    await sessions.destroy(victim.request())
    // An attacker signs in over and over on one browser: each sign-in ends the session before it.
    clock.advance(60)
    const attacker = new Jar()
    for (let i = 0; i < 50; i++) {
      attacker.apply(await sessions.commit(attacker.request(), sessions.create(user)))
      clock.advance(1)
    }
    assert.ok(revocations.size <= 5, 'the bound holds')
    assert.equal(await sessions.read(copy), undefined, 'the signed-out copy is still refused')
    assert.ok(await sessions.read(attacker.request()), 'the live session of now still opens')
  })

  it('overflow without a store fails safe: sessions ending no later than the dropped one read as signed out', async () => {
    const clock = testClock()
    const revocations = new SessionRevocations({ maxEntries: 2, clock: clock.now })
    const now = clock.seconds()
    await revocations.revoke('first', now + 100)
    await revocations.revoke('second', now + 200)
    await revocations.revoke('third', now + 300)
    assert.equal(revocations.size, 2)
    assert.equal(await revocations.isRevoked('first', now + 100), true, 'dropped, still revoked')
    assert.equal(await revocations.isRevoked('innocent', now + 50), true, 'an older session too')
    assert.equal(await revocations.isRevoked('newer', now + 150), false, 'a newer one is not')
    assert.equal(await revocations.isRevoked('third', now + 300), true)
  })

  it('with a store, overflowing the memory bound forgets nothing: the store still has the record', async () => {
    const store = new MemoryStore()
    const revocations = new SessionRevocations({ store, maxEntries: 2 })
    const until = Math.floor(Date.now() / 1000) + 600
    for (const sid of ['a', 'b', 'c', 'd']) await revocations.revoke(sid, until)
    for (const sid of ['a', 'b', 'c', 'd'])
      assert.equal(await revocations.isRevoked(sid, until), true)
    assert.equal(await revocations.isRevoked('other', until), false, 'no collateral with a store')
  })

  it('store mode: a re-seal racing sign-out does not write the ended session back', async () => {
    const clock = testClock()
    const store = new MemoryStore({ clock: clock.now })
    const shared = new SessionRevocations({ store: new MemoryStore(), clock: clock.now })
    const local = new SessionRevocations({ clock: clock.now })
    const a = createSessionManager({
      secrets: [SECRET_A],
      store,
      clock: clock.now,
      revocations: local,
    })
    const jar = new Jar().apply(await a.commit(new Request(HTTPS), a.create(user)))
    clock.advance(3 * 3600) // idle long enough that the next request re-seals
    const request = jar.request()
    const read = await a.read(request)
    assert.ok(read)
    await a.destroy(jar.request()) // sign-out lands while that request is in flight
    assert.deepEqual(
      await a.commit(request, read).then((c) => c.every((v) => /Max-Age=0/.test(v))),
      true,
    )
    const b = createSessionManager({
      secrets: [SECRET_A],
      store,
      clock: clock.now,
      revocations: shared,
    })
    assert.equal(await b.read(request), undefined, 'the deleted session was not written back')
  })

  it('stays within maxEntries, dropping expired records first', async () => {
    const clock = testClock()
    const revocations = new SessionRevocations({ maxEntries: 3, clock: clock.now })
    await revocations.revoke('short', clock.seconds() + 10)
    await revocations.revoke('a', clock.seconds() + 1000)
    await revocations.revoke('b', clock.seconds() + 1000)
    clock.advance(20)
    await revocations.revoke('c', clock.seconds() + 1000)
    assert.equal(revocations.size, 3)
    for (const sid of ['a', 'b', 'c']) assert.equal(await revocations.isRevoked(sid), true)
    await revocations.revoke('d', clock.seconds() + 1000)
    assert.equal(revocations.size, 3)
    assert.equal(await revocations.isRevoked('d'), true)
  })
})
