// The edge session check of `idweb/next/edge` against cookies sealed by idweb's own session layer:
// it lets a live session through, whatever the mode (cookie, chunked cookie, store reference,
// `__Host-` name, rotated secrets), and turns away every cookie that is missing, foreign,
// tampered with, sealed for another purpose or past a lifetime. requireSession answers people and
// programs as requireUser does. The WebCrypto-only run is in edge-runtime.test.ts.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { requireSession, sessionCheck } from '../../../src/adapters/next/edge.ts'
import { isIdwebError } from '../../../src/errors.ts'
import { createSessionManager } from '../../../src/session/index.ts'
import {
  bulkyClaims,
  HTTPS,
  Jar,
  MemoryStore,
  SECRET_A,
  SECRET_B,
  testClock,
  USER,
} from '../../session/helpers.ts'

async function sealedFor(
  options: { secret?: string; store?: MemoryStore; hostPrefix?: boolean; claims?: object } = {},
) {
  const clock = testClock()
  const sessions = createSessionManager({
    secrets: [options.secret ?? SECRET_A],
    rollingSeconds: 600,
    absoluteSeconds: 3600,
    clock: clock.now,
    ...(options.store ? { store: options.store } : {}),
    ...(options.hostPrefix ? { hostPrefix: true } : {}),
  })
  const data = sessions.create({ ...USER, claims: { ...USER.claims, ...options.claims } })
  const jar = new Jar().apply(await sessions.commit(new Request(HTTPS), data))
  return { jar, clock }
}

const edgeOptions = (clock: ReturnType<typeof testClock>) => ({
  secrets: [SECRET_A],
  rollingSeconds: 600,
  absoluteSeconds: 3600,
  now: clock.now,
})

describe('sessionCheck (idweb/next/edge)', () => {
  it('lets a live cookie session through with its claims', async () => {
    const { jar, clock } = await sealedFor()
    const found = await sessionCheck(edgeOptions(clock))(jar.request())
    assert.deepEqual(found, { signedIn: true, claims: USER.claims })
  })

  it('opens a session chunked over several cookies', async () => {
    const { jar, clock } = await sealedFor({ claims: bulkyClaims(6000) })
    assert.ok(jar.names().length > 1, jar.names().join())
    const found = await sessionCheck(edgeOptions(clock))(jar.request())
    assert.equal(found.signedIn, true)
  })

  it('lets a store reference through, without claims', async () => {
    const { jar, clock } = await sealedFor({ store: new MemoryStore() })
    const found = await sessionCheck(edgeOptions(clock))(jar.request())
    assert.deepEqual(found, { signedIn: true, claims: undefined })
  })

  it('opens with an older secret listed after the current one (rotation)', async () => {
    const { jar, clock } = await sealedFor()
    const found = await sessionCheck({ ...edgeOptions(clock), secrets: [SECRET_B, SECRET_A] })(
      jar.request(),
    )
    assert.equal(found.signedIn, true)
  })

  it('reads the __Host- name over https with hostPrefix, and only then', async () => {
    const { jar, clock } = await sealedFor({ hostPrefix: true })
    assert.deepEqual(jar.names(), ['__Host-idweb.session'])
    const withPrefix = sessionCheck({ ...edgeOptions(clock), hostPrefix: true })
    assert.equal((await withPrefix(jar.request())).signedIn, true)
    assert.equal((await sessionCheck(edgeOptions(clock))(jar.request())).signedIn, false)
    // On plain-http loopback the app writes the plain name; so the check reads the plain name.
    assert.equal((await withPrefix(jar.request('http://localhost:3000/'))).signedIn, false)
  })

  it('turns away missing, foreign, tampered and garbage cookies', async () => {
    const { jar, clock } = await sealedFor()
    const check = sessionCheck(edgeOptions(clock))
    const value = jar.cookies.get('idweb.session') ?? ''
    const flipped = `${value.slice(0, -3)}${value.at(-3) === 'A' ? 'B' : 'A'}${value.slice(-2)}`
    const cases: Array<[string, string | undefined]> = [
      ['no cookie', undefined],
      ['other cookies only', 'theme=dark'],
      ['garbage', 'idweb.session=not-a-jwe'],
      ['tampered', `idweb.session=${flipped}`],
      ['repeated', `idweb.session=${value}; idweb.session=${value}`],
      ['oversized', `idweb.session=${'a'.repeat(20_000)}`],
    ]
    for (const [what, cookie] of cases) {
      const request = new Request(HTTPS, cookie === undefined ? {} : { headers: { cookie } })
      assert.deepEqual(await check(request), { signedIn: false }, what)
    }
    const other = await sessionCheck({ ...edgeOptions(clock), secrets: [SECRET_B] })(jar.request())
    assert.equal(other.signedIn, false, 'sealed with another secret')
  })

  it('turns away a transaction cookie: sealed for another purpose', async () => {
    const clock = testClock()
    const sessions = createSessionManager({ secrets: [SECRET_A], clock: clock.now })
    const tx = await sessions.sealTransaction(
      { state: 's'.repeat(32), nonce: 'n'.repeat(32), codeVerifier: 'v'.repeat(43) } as never,
      new Request(HTTPS),
    )
    const value = (tx[0] ?? '').split(';')[0]?.split('=').slice(1).join('=') ?? ''
    const request = new Request(HTTPS, { headers: { cookie: `idweb.session=${value}` } })
    assert.equal((await sessionCheck(edgeOptions(clock))(request)).signedIn, false)
  })

  it('ends the session at its idle and its absolute lifetime', async () => {
    const { jar, clock } = await sealedFor()
    const check = sessionCheck(edgeOptions(clock))
    clock.advance(599)
    assert.equal((await check(jar.request())).signedIn, true, 'just inside the idle lifetime')
    clock.advance(1)
    assert.equal((await check(jar.request())).signedIn, false, 'idle lifetime over')
    const absolute = sessionCheck({ ...edgeOptions(clock), rollingSeconds: 100_000 })
    clock.advance(3000)
    assert.equal((await absolute(jar.request())).signedIn, false, 'absolute lifetime over')
  })

  it('refuses short or missing secrets at once, naming the setting', () => {
    assert.throws(
      () => sessionCheck({ secrets: ['short'] }),
      (err) => isIdwebError(err, 'IDW_CONFIG_INVALID') && /secrets\[0\]/.test(err.message),
    )
    assert.throws(
      () => sessionCheck({ secrets: [] }),
      (err) => isIdwebError(err),
    )
  })
})

describe('requireSession (idweb/next/edge)', () => {
  it('goes on for a live session, redirects people and answers programs 401 JSON', async () => {
    const { jar, clock } = await sealedFor()
    const middleware = requireSession({ ...edgeOptions(clock), signInPath: '/auth/signin' })
    assert.equal(await middleware(jar.request(`${HTTPS}profile`)), undefined)

    const person = await middleware(
      new Request(`${HTTPS}profile?tab=2`, { headers: { accept: 'text/html' } }),
    )
    assert.equal(person?.status, 302)
    assert.equal(
      person?.headers.get('location'),
      `${HTTPS}auth/signin?returnTo=${encodeURIComponent('/profile?tab=2')}`,
    )
    const program = await middleware(
      new Request(`${HTTPS}api/private`, { headers: { accept: 'application/json' } }),
    )
    assert.equal(program?.status, 401)
    assert.ok(program)
    assert.equal(((await program.json()) as { error: string }).error, 'IDW_NOT_SIGNED_IN')
  })

  it('never sends a person off-site: a path that looks like a host returns home', async () => {
    const { clock } = await sealedFor()
    const middleware = requireSession(edgeOptions(clock))
    const res = await middleware(new Request('https://app.example//evil.example/x'))
    assert.equal(
      res?.headers.get('location'),
      `https://app.example/signin?returnTo=${encodeURIComponent('/')}`,
    )
  })
})
