import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isIdwebError } from '../../src/errors.ts'
import { createSessionManager } from '../../src/session/index.ts'
import { bulkyClaims, Jar, MemoryStore, requestWith, SECRET_A, testClock, USER } from './helpers.ts'

function setup(clock = testClock()) {
  const store = new MemoryStore()
  const sessions = createSessionManager({
    secrets: [SECRET_A],
    store,
    rollingSeconds: 600,
    clock: clock.now,
  })
  return { store, sessions, clock }
}

describe('server-side session store', () => {
  it('keeps the payload in the store, sealed, and only a reference in the cookie', async () => {
    const { store, sessions } = setup()
    // A long marker: a short one (a name) turns up in random ciphertext now and then.
    const marker = 'plaintext-marker-claim-value-5e0c9a7f3b21d846'
    const data = sessions.create({
      homeAccountId: USER.homeAccountId,
      claims: { ...bulkyClaims(20_000), marker },
    })
    const jar = new Jar().apply(await sessions.commit(requestWith(undefined), data))
    assert.deepEqual(jar.names(), ['idweb.session'])
    assert.ok((jar.cookies.get('idweb.session') ?? '').length < 400)
    assert.deepEqual([...store.entries.keys()], [`idweb:session:${data.sid}`])
    const entry = store.entries.get(`idweb:session:${data.sid}`)
    assert.equal(entry?.ttl, 600)
    const stored = new TextDecoder().decode(entry?.value)
    assert.ok(!stored.includes(marker) && !stored.includes(USER.homeAccountId), 'stored in clear')
    assert.deepEqual(await sessions.read(jar.request()), data)
  })

  it('destroy() deletes the stored session; the old cookie then reads as anonymous', async () => {
    const { store, sessions } = setup()
    const jar = new Jar().apply(
      await sessions.commit(requestWith(undefined), sessions.create(USER)),
    )
    const stolen = jar.header()
    const clearing = await sessions.destroy(jar.request())
    assert.equal(store.entries.size, 0)
    jar.apply(clearing)
    assert.deepEqual(jar.names(), [])
    assert.equal(await sessions.read(requestWith(stolen)), undefined)
  })

  it('deletes the previous stored session when a new one is committed over it', async () => {
    const { store, sessions } = setup()
    const jar = new Jar().apply(
      await sessions.commit(requestWith(undefined), sessions.create(USER)),
    )
    const next = sessions.create(USER)
    jar.apply(await sessions.commit(jar.request(), next))
    assert.deepEqual([...store.entries.keys()], [`idweb:session:${next.sid}`])
  })

  it('reads as anonymous when the entry is gone, swapped or the store fails; never throws', async () => {
    const { store, sessions } = setup()
    const a = sessions.create(USER)
    const b = sessions.create({ homeAccountId: 'other.tid', claims: {} })
    const jarA = new Jar().apply(await sessions.commit(requestWith(undefined), a))
    const jarB = new Jar().apply(await sessions.commit(requestWith(undefined), b))
    // Another session's sealed entry under this sid does not open as this session.
    const entryB = store.entries.get(`idweb:session:${b.sid}`)
    assert.ok(entryB)
    store.entries.set(`idweb:session:${a.sid}`, entryB)
    assert.equal(await sessions.read(jarA.request()), undefined)
    store.entries.set(`idweb:session:${a.sid}`, {
      value: new TextEncoder().encode('{"v":1}'),
      ttl: 1,
    })
    assert.equal(await sessions.read(jarA.request()), undefined)
    store.entries.delete(`idweb:session:${a.sid}`)
    assert.equal(await sessions.read(jarA.request()), undefined)
    store.failing = true
    assert.equal(await sessions.read(jarB.request()), undefined)
  })

  it('reports a failing store on write and destroy as IDW_STORE_UNAVAILABLE', async () => {
    const { store, sessions } = setup()
    const jar = new Jar().apply(
      await sessions.commit(requestWith(undefined), sessions.create(USER)),
    )
    store.failing = true
    const unavailable = (err: unknown) => isIdwebError(err, 'IDW_STORE_UNAVAILABLE')
    await assert.rejects(
      sessions.commit(requestWith(undefined), sessions.create(USER)),
      unavailable,
    )
    await assert.rejects(sessions.destroy(jar.request()), unavailable)
    // Cookies can still be cleared without the store.
    assert.equal(new Jar().apply(sessions.clear(jar.request())).names().length, 0)
  })

  it('enforces the lifetimes of stored sessions too', async () => {
    const { sessions, clock } = setup()
    const jar = new Jar().apply(
      await sessions.commit(requestWith(undefined), sessions.create(USER)),
    )
    clock.advance(599)
    assert.ok(await sessions.read(jar.request()))
    clock.advance(1)
    assert.equal(await sessions.read(jar.request()), undefined)
  })

  it('does not accept a cookie-mode session in store mode, nor the reverse', async () => {
    const { sessions } = setup()
    const cookieMode = createSessionManager({ secrets: [SECRET_A] })
    const cookieJar = new Jar().apply(
      await cookieMode.commit(requestWith(undefined), cookieMode.create(USER)),
    )
    assert.equal(await sessions.read(cookieJar.request()), undefined)
    const storeJar = new Jar().apply(
      await sessions.commit(requestWith(undefined), sessions.create(USER)),
    )
    assert.equal(await cookieMode.read(storeJar.request()), undefined)
  })
})
