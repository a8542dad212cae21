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
    const here = new SessionRevocations({ store: flaky, logger: log })
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
    assert.equal(await here.isRevoked('elsewhere'), true, 'seen again once the store is back')
  })

  it('a hung store costs at most the store timeout', async () => {
    const hung = { get: () => new Promise<undefined>(() => {}), set: async () => {} }
    const revocations = new SessionRevocations({ store: hung, storeTimeoutMs: 50 })
    const t0 = performance.now()
    assert.equal(await revocations.isRevoked('x'), false)
    assert.ok(performance.now() - t0 < 500)
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
