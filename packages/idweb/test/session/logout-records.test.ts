// The records behind provider logout: provider sessions and subjects ended in
// SessionRevocations, used logout tokens, and the sign-in index, each bounded however many
// logouts arrive, and shared by instances through a store.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { silentLogger } from '../../src/logger.ts'
import { SessionRevocations } from '../../src/session/revocations.ts'
import { SignInIndex } from '../../src/session/sign-in-index.ts'
import type { SessionData } from '../../src/session/types.ts'
import { ProviderLogouts } from '../../src/web/provider-logout.ts'
import { MemoryStore } from './helpers.ts'

const ISS = 'https://login.example/tenant/v2.0'
const FLOOD = 10_000

function session(claims: Record<string, unknown>, createdAt: number): SessionData {
  return {
    sid: randomUUID(),
    createdAt,
    lastSeenAt: createdAt,
    user: { homeAccountId: 'h', claims: { iss: ISS, ...claims } },
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000)
/** Seals the sign-in index's store records, as the token cache does for idweb. */
const sealer = new TokenCache({ keys: [{ id: 'k1', key: randomBytes(32) }] })

describe('provider-session and subject records', () => {
  it('an ended provider session ends every session of it, and no other', () => {
    const r = new SessionRevocations()
    const now = nowSeconds()
    void r.endProviderSession(ISS, 'op-1', now + 3600)
    assert.equal(r.isSessionRevokedNow(session({ sid: 'op-1', sub: 'a' }, now), now + 60), true)
    assert.equal(r.isSessionRevokedNow(session({ sid: 'op-2', sub: 'a' }, now), now + 60), false)
    const otherIssuer = session({ sid: 'op-1', sub: 'a', iss: 'https://other.example' }, now)
    assert.equal(r.isSessionRevokedNow(otherIssuer, now + 60), false)
  })

  it('a subject signed out everywhere: sessions begun until then end, later ones live', () => {
    const r = new SessionRevocations()
    const now = nowSeconds()
    void r.endSubject(ISS, 'alice', now, now + 3600)
    assert.equal(r.isSessionRevokedNow(session({ sub: 'alice' }, now - 10), now + 60), true)
    assert.equal(r.isSessionRevokedNow(session({ sub: 'alice' }, now), now + 60), true)
    assert.equal(r.isSessionRevokedNow(session({ sub: 'alice' }, now + 1), now + 60), false)
    assert.equal(r.isSessionRevokedNow(session({ sub: 'bob' }, now - 10), now + 60), false)
  })

  it('through a shared store, another instance sees both kinds of record', async () => {
    const store = new MemoryStore()
    const a = new SessionRevocations({ store })
    const b = new SessionRevocations({ store })
    const now = nowSeconds()
    assert.equal(await a.endProviderSession(ISS, 'op-9', now + 3600), true)
    assert.equal(await a.endSubject(ISS, 'carol', now, now + 3600), true)
    assert.equal(b.isSessionRevokedNow(session({ sid: 'op-9' }, now), now + 60), undefined)
    assert.equal(await b.isSessionRevoked(session({ sid: 'op-9' }, now), now + 60), true)
    assert.equal(await b.isSessionRevoked(session({ sub: 'carol' }, now - 5), now + 60), true)
    assert.equal(await b.isSessionRevoked(session({ sub: 'carol' }, now + 5), now + 60), false)
    assert.equal(
      await b.isSessionRevoked(session({ sid: 'op-8', sub: 'dan' }, now), now + 60),
      false,
    )
  })

  it(`a flood of ${FLOOD} ended provider sessions stays within maxEntries, and fails safe`, () => {
    const r = new SessionRevocations({ maxEntries: 1000 })
    const now = nowSeconds()
    for (let i = 0; i < FLOOD; i++) {
      void r.endProviderSession(ISS, `op-${i}`, now + 3600)
      assert.ok(r.size <= 1000)
    }
    // The first record was dropped, yet its sessions stay ended (the overflow floor).
    assert.equal(r.isSessionRevokedNow(session({ sid: 'op-0' }, now - 60), now + 3000), true)
    assert.equal(r.isSessionRevokedNow(session({ sid: `op-${FLOOD - 1}` }, now), now + 7200), true)
  })
})

describe('used logout tokens and the sign-in index', () => {
  const logouts = (store?: MemoryStore, maxTokens?: number) =>
    new ProviderLogouts({
      revocations: new SessionRevocations({ store }),
      signIns: new SignInIndex({ store, sealer, maxEntries: 1000 }),
      store,
      absoluteSeconds: 3600,
      ...(maxTokens === undefined ? {} : { maxTokens }),
      logger: silentLogger,
      clock: Date.now,
    })

  it('a token is used once, on this instance and, through the store, on any other', async () => {
    const store = new MemoryStore()
    const a = logouts(store)
    const b = logouts(store)
    const until = nowSeconds() + 600
    assert.equal(await a.firstUse(ISS, 'jti-1', until), true)
    assert.equal(await a.firstUse(ISS, 'jti-1', until), false)
    assert.equal(await b.firstUse(ISS, 'jti-1', until), false)
    assert.equal(await b.firstUse('https://other.example', 'jti-1', until), true)
  })

  it(`a flood of ${FLOOD} logout tokens keeps at most maxTokens in memory`, async () => {
    const l = logouts(undefined, 1000)
    const until = nowSeconds() + 600
    for (let i = 0; i < FLOOD; i++) {
      assert.equal(await l.firstUse(ISS, `jti-${i}`, until), true)
      assert.ok(l.usedTokens <= 1000)
    }
    assert.equal(
      await l.firstUse(ISS, `jti-${FLOOD - 1}`, until),
      false,
      'recent ones still refused',
    )
  })

  it(`the sign-in index finds accounts by sid and by sub, and keeps at most maxEntries of ${FLOOD}`, async () => {
    const store = new MemoryStore()
    const a = logouts(store)
    const b = logouts(store)
    for (let i = 0; i < FLOOD; i++) {
      await a.rememberSignIn({ iss: ISS, sub: `user-${i}`, sid: `op-${i}` }, `home-${i}`, undefined)
      assert.ok(a.signIns.size <= 1000)
    }
    assert.equal(await a.signIns.find({ iss: ISS, sid: 'op-0' }), 'home-0', 'from the store')
    assert.equal(await b.signIns.find({ iss: ISS, sub: `user-${FLOOD - 1}` }), `home-${FLOOD - 1}`)
    assert.equal(await b.signIns.find({ iss: 'https://other.example', sub: 'user-1' }), undefined)
    assert.deepEqual(await b.end({ iss: ISS, sid: 'op-7' }), {
      partition: 'home-7',
      recorded: true,
    })
    const raw = Buffer.concat([...store.entries.values()].map((e) => e.value))
    assert.equal(raw.includes('home-7'), false, 'the store holds no account id in plaintext')
  })
})
