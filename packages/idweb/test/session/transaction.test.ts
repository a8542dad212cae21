import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { isIdwebError } from '../../src/errors.ts'
import { createSessionManager, type TransactionData } from '../../src/session/index.ts'
import {
  HTTPS,
  Jar,
  LOOPBACK,
  parseSetCookie,
  requestWith,
  SECRET_A,
  SECRET_B,
  testClock,
  USER,
} from './helpers.ts'

interface SignInTx extends TransactionData {
  nonce: string
  codeVerifier: string
  returnTo: string
}

function tx(state: string): SignInTx {
  return {
    state,
    nonce: `n-${state}`,
    codeVerifier: `v-${state}`,
    returnTo: '/todos',
    scopes: ['User.Read'],
  }
}

function txName(state: string) {
  return `idweb.tx.${createHash('sha256').update(state).digest('hex').slice(0, 16)}`
}

describe('transaction cookies', () => {
  it('round-trips a transaction under a name hashed from its state', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const headers = await sessions.sealTransaction(tx('s1'), requestWith(undefined))
    const jar = new Jar().apply(headers)
    assert.deepEqual(jar.names(), [txName('s1')])
    assert.deepEqual(await sessions.openTransaction<SignInTx>(jar.request(), 's1'), tx('s1'))
  })

  it('is SameSite=None; Secure on https and SameSite=Lax without Secure on plain-http loopback', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const [https] = await sessions.sealTransaction(tx('s'), requestWith(undefined, HTTPS))
    const a = parseSetCookie(https ?? '').attributes
    assert.equal(a.get('samesite'), 'None')
    assert.ok(a.has('secure') && a.has('httponly'))
    assert.equal(a.get('max-age'), '600')
    assert.equal(a.get('path'), '/')
    const [loop] = await sessions.sealTransaction(tx('s'), requestWith(undefined, LOOPBACK))
    const b = parseSetCookie(loop ?? '').attributes
    assert.equal(b.get('samesite'), 'Lax')
    assert.equal(b.has('secure'), false)
    const hosted = createSessionManager({ secrets: [SECRET_A], hostPrefix: true })
    const [prefixed] = await hosted.sealTransaction(tx('s'), requestWith(undefined, HTTPS))
    assert.equal(parseSetCookie(prefixed ?? '').name, `__Host-${txName('s')}`)
  })

  it('opens only for exactly the sealed state', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(
      await sessions.sealTransaction(tx('state-A'), requestWith(undefined)),
    )
    for (const wrong of ['state-a', 'state-A ', 'state-', '', 'x'.repeat(10_000)]) {
      assert.equal(
        await sessions.openTransaction(jar.request(), wrong),
        undefined,
        wrong.slice(0, 20),
      )
    }
    // The sealed value of state A presented under the name of state B does not open for B.
    const value = jar.cookies.get(txName('state-A'))
    assert.equal(
      await sessions.openTransaction(requestWith(`${txName('state-B')}=${value}`), 'state-B'),
      undefined,
    )
  })

  it('expires exactly at its lifetime', async () => {
    const clock = testClock()
    const sessions = createSessionManager({
      secrets: [SECRET_A],
      transactionSeconds: 600,
      clock: clock.now,
    })
    const jar = new Jar().apply(await sessions.sealTransaction(tx('s'), requestWith(undefined)))
    clock.advance(599)
    assert.ok(await sessions.openTransaction(jar.request(), 's'))
    clock.advance(1)
    assert.equal(await sessions.openTransaction(jar.request(), 's'), undefined)
  })

  it('is gone after clearTransaction', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.sealTransaction(tx('s'), requestWith(undefined)))
    const clearing = sessions.clearTransaction('s', HTTPS)
    const { name, attributes } = parseSetCookie(clearing)
    assert.equal(name, txName('s'))
    assert.equal(attributes.get('max-age'), '0')
    assert.equal(attributes.get('samesite'), 'None')
    jar.apply([clearing])
    assert.equal(await sessions.openTransaction(jar.request(), 's'), undefined)
    // Untrusted state from a callback query never throws.
    assert.doesNotThrow(() => sessions.clearTransaction('x'.repeat(100_000), new URL(HTTPS)))
    assert.doesNotThrow(() => sessions.clearTransaction('', requestWith(undefined)))
  })

  it('keeps several tabs apart and at most maxTransactions pending, dropping the oldest', async () => {
    const clock = testClock()
    const sessions = createSessionManager({
      secrets: [SECRET_A],
      maxTransactions: 5,
      clock: clock.now,
    })
    const jar = new Jar()
    for (let i = 1; i <= 7; i++) {
      clock.advance(10)
      jar.apply(await sessions.sealTransaction(tx(`tab-${i}`), jar.request()))
    }
    assert.equal(jar.names().length, 5)
    for (const i of [1, 2])
      assert.equal(await sessions.openTransaction(jar.request(), `tab-${i}`), undefined)
    for (const i of [3, 4, 5, 6, 7]) {
      assert.equal(
        (await sessions.openTransaction<SignInTx>(jar.request(), `tab-${i}`))?.nonce,
        `n-tab-${i}`,
      )
    }
  })

  it('deletes pending transaction cookies that no longer open when sealing a new one', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar()
    jar.cookies.set(txName('junk'), 'garbage')
    jar.apply(await sessions.sealTransaction(tx('s'), jar.request()))
    assert.deepEqual(jar.names(), [txName('s')])
  })

  it('rejects tampered, duplicated and rotated-out transaction cookies', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.sealTransaction(tx('s'), requestWith(undefined)))
    const name = txName('s')
    const value = jar.cookies.get(name) ?? ''
    const flipped = `${value.slice(0, 60)}${value[60] === 'A' ? 'B' : 'A'}${value.slice(61)}`
    assert.equal(await sessions.openTransaction(requestWith(`${name}=${flipped}`), 's'), undefined)
    assert.equal(
      await sessions.openTransaction(requestWith(`${name}=${value}; ${name}=${value}`), 's'),
      undefined,
    )
    const rotated = createSessionManager({ secrets: [SECRET_B] })
    assert.equal(await rotated.openTransaction(jar.request(), 's'), undefined)
  })

  it('refuses a transaction too large for one cookie, and a missing state', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    await assert.rejects(
      sessions.sealTransaction(
        { ...tx('s'), returnTo: `/${'a'.repeat(4000)}` },
        requestWith(undefined),
      ),
      (err: unknown) => isIdwebError(err, 'IDW_SESSION_TOO_LARGE'),
    )
    await assert.rejects(
      sessions.sealTransaction({ state: '' } as TransactionData, requestWith(undefined)),
      TypeError,
    )
  })
})

describe('transaction and session cookies never stand in for each other', () => {
  it('a transaction value under the session name is anonymous', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.sealTransaction(tx('s'), requestWith(undefined)))
    const value = jar.cookies.get(txName('s'))
    assert.equal(await sessions.read(requestWith(`idweb.session=${value}`)), undefined)
  })

  it('a session value under a transaction name does not open', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(
      await sessions.commit(requestWith(undefined), sessions.create(USER)),
    )
    const value = jar.cookies.get('idweb.session')
    assert.ok(await sessions.read(jar.request()))
    assert.equal(
      await sessions.openTransaction(requestWith(`${txName('s')}=${value}`), 's'),
      undefined,
    )
  })
})
