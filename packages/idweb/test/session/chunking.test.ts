import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isIdwebError } from '../../src/errors.ts'
import { CHUNK_VALUE_LENGTH, createSessionManager } from '../../src/session/index.ts'
import { bulkyClaims, Jar, requestWith, SECRET_A, USER } from './helpers.ts'

const sessions = createSessionManager({ secrets: [SECRET_A], maxChunks: 4 })

async function jarFor(claimBytes: number): Promise<Jar> {
  const data = sessions.create({
    homeAccountId: USER.homeAccountId,
    claims: bulkyClaims(claimBytes),
  })
  return new Jar().apply(await sessions.commit(requestWith(undefined), data))
}

async function anonymous(cookie: string) {
  assert.equal(await sessions.read(requestWith(cookie)), undefined, cookie.slice(0, 80))
}

describe('chunking', () => {
  it('keeps a small session in one cookie named after the setting', async () => {
    assert.deepEqual((await jarFor(500)).names(), ['idweb.session'])
  })

  it('splits above ~4 KB into name.0, name.1, ... and reassembles them', async () => {
    const claims = bulkyClaims(6000)
    const data = sessions.create({ homeAccountId: USER.homeAccountId, claims })
    const headers = await sessions.commit(requestWith(undefined), data)
    const jar = new Jar().apply(headers)
    assert.deepEqual(jar.names(), ['idweb.session.0', 'idweb.session.1', 'idweb.session.2'])
    for (const h of headers) assert.ok(h.length < 4096, `Set-Cookie of ${h.length} bytes`)
    for (const v of jar.cookies.values()) assert.ok(v.length <= CHUNK_VALUE_LENGTH)
    assert.deepEqual((await sessions.read(jar.request()))?.user.claims, claims)
  })

  it('refuses to write a session needing more than maxChunks cookies, with a typed error', async () => {
    const data = sessions.create({ homeAccountId: USER.homeAccountId, claims: bulkyClaims(20_000) })
    await assert.rejects(sessions.commit(requestWith(undefined), data), (err: unknown) => {
      assert.ok(isIdwebError(err, 'IDW_SESSION_TOO_LARGE'))
      assert.match(err.message, /session\.store/)
      return true
    })
  })

  it('deletes stale chunks of a previous larger session in the same response', async () => {
    const jar = await jarFor(6000)
    assert.equal(jar.names().length, 3)
    // Larger → smaller but still chunked: the third chunk goes.
    const two = sessions.create({ homeAccountId: USER.homeAccountId, claims: bulkyClaims(3500) })
    const headers = await sessions.commit(jar.request(), two)
    assert.ok(headers.some((h) => h.startsWith('idweb.session.2=; ') && h.includes('Max-Age=0')))
    jar.apply(headers)
    assert.deepEqual(jar.names(), ['idweb.session.0', 'idweb.session.1'])
    assert.equal((await sessions.read(jar.request()))?.sid, two.sid)
    // Chunked → single: every chunk goes.
    const one = sessions.create(USER)
    jar.apply(await sessions.commit(jar.request(), one))
    assert.deepEqual(jar.names(), ['idweb.session'])
    assert.equal((await sessions.read(jar.request()))?.sid, one.sid)
    // Single → chunked: the single cookie goes.
    const big = sessions.create({ homeAccountId: USER.homeAccountId, claims: bulkyClaims(6000) })
    jar.apply(await sessions.commit(jar.request(), big))
    assert.deepEqual(jar.names(), ['idweb.session.0', 'idweb.session.1', 'idweb.session.2'])
    assert.equal((await sessions.read(jar.request()))?.sid, big.sid)
  })

  it('clears every chunk on clear()', async () => {
    const jar = await jarFor(6000)
    jar.apply(sessions.clear(jar.request()))
    assert.deepEqual(jar.names(), [])
  })
})

describe('bad session cookies read as anonymous, never throw', () => {
  it('a tampered byte, in a single cookie or in any chunk', async () => {
    for (const size of [500, 6000]) {
      const jar = await jarFor(size)
      for (const [name, value] of jar.cookies) {
        const i = Math.floor(value.length / 2)
        const flipped = value.slice(0, i) + (value[i] === 'A' ? 'B' : 'A') + value.slice(i + 1)
        const copy = new Map(jar.cookies).set(name, flipped)
        await anonymous([...copy].map(([n, v]) => `${n}=${v}`).join('; '))
      }
    }
  })

  it('truncated cookies and missing chunks', async () => {
    const single = await jarFor(500)
    const value = single.cookies.get('idweb.session') ?? ''
    await anonymous(`idweb.session=${value.slice(0, -1)}`)
    await anonymous(`idweb.session=${value.slice(0, value.length / 2)}`)
    const chunked = await jarFor(6000)
    const c = Object.fromEntries(chunked.cookies)
    await anonymous(
      `idweb.session.0=${c['idweb.session.0']}; idweb.session.1=${c['idweb.session.1']}`,
    )
    await anonymous(
      `idweb.session.0=${c['idweb.session.0']}; idweb.session.2=${c['idweb.session.2']}`,
    )
    await anonymous(
      `idweb.session.1=${c['idweb.session.1']}; idweb.session.2=${c['idweb.session.2']}`,
    )
  })

  it('reordered, extra and non-canonical chunks, and both layouts at once', async () => {
    const c = Object.fromEntries((await jarFor(6000)).cookies)
    const [c0, c1, c2] = [c['idweb.session.0'], c['idweb.session.1'], c['idweb.session.2']]
    await anonymous(`idweb.session.0=${c1}; idweb.session.1=${c0}; idweb.session.2=${c2}`)
    await anonymous(`idweb.session.0=${c0}; idweb.session.1=${c2}; idweb.session.2=${c1}`)
    await anonymous(
      `idweb.session.0=${c0}; idweb.session.1=${c1}; idweb.session.2=${c2}; idweb.session.3=x`,
    )
    await anonymous(
      `idweb.session.0=${c0}; idweb.session.1=${c1}; idweb.session.2=${c2}; idweb.session.9=x`,
    )
    await anonymous(`idweb.session.0=${c0}; idweb.session.01=${c1}; idweb.session.2=${c2}`)
    await anonymous(
      `idweb.session.0=${c0}; idweb.session.1=${c1}; idweb.session.2=${c2}; idweb.session.x=1`,
    )
    const single = (await jarFor(500)).cookies.get('idweb.session')
    await anonymous(
      `idweb.session=${single}; idweb.session.0=${c0}; idweb.session.1=${c1}; idweb.session.2=${c2}`,
    )
  })

  it('duplicate cookie names, even when the first copy is valid', async () => {
    const value = (await jarFor(500)).cookies.get('idweb.session')
    const other = (await jarFor(500)).cookies.get('idweb.session')
    await anonymous(`idweb.session=${value}; idweb.session=${other}`)
    await anonymous(`idweb.session=${value}; idweb.session=${value}`)
    const c = Object.fromEntries((await jarFor(6000)).cookies)
    await anonymous(
      `idweb.session.0=${c['idweb.session.0']}; idweb.session.1=${c['idweb.session.1']}; idweb.session.2=${c['idweb.session.2']}; idweb.session.1=${c['idweb.session.1']}`,
    )
  })

  it('garbage, padding and a 10 KB junk header', async () => {
    const value = (await jarFor(500)).cookies.get('idweb.session') ?? ''
    const junk = Array.from({ length: 10_240 }, (_, i) =>
      String.fromCharCode(33 + ((i * 31) % 90)),
    ).join('')
    for (const cookie of [
      'idweb.session=',
      'idweb.session=garbage',
      'idweb.session=a.b.c.d.e',
      'idweb.session=....',
      `idweb.session=${value}==`,
      `idweb.session=${value.replace('..', '.AAAA.')}`,
      `idweb.session=${'x'.repeat(20_000)}`,
      `idweb.session=${junk}`,
      junk,
      `${junk}; idweb.session=${junk}`,
      `idweb.session=${'eyJhbGciOiJub25lIn0'}..${'A'.repeat(16)}.${'A'.repeat(10)}.${'A'.repeat(22)}`,
    ]) {
      await anonymous(cookie)
    }
  })

  it('a session value sealed by another application secret', async () => {
    const other = createSessionManager({ secrets: ['another-application-secret-0123456789'] })
    const jar = new Jar().apply(await other.commit(requestWith(undefined), other.create(USER)))
    await anonymous(jar.header())
  })
})
