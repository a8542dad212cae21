import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import type { SignInTransaction } from '../../src/web/context.ts'
import { APP, alice, type Harness, startHarness } from './harness.ts'

/** `returnTo` through the real routes: /signin seals it, the callback redirects to it. */
describe('returnTo through sign-in and the callback', () => {
  let h: Harness

  before(async () => {
    h = await startHarness()
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
  })
  after(() => h.close())

  async function callbackLocation(signInPath: string): Promise<string> {
    h.jar.clear()
    const start = await h.app(signInPath)
    const res = await h.postCallback(await h.completeAtProvider(start, alice))
    assert.equal(res.status, 303)
    return res.headers.get('location') ?? ''
  }

  for (const target of [
    '//evil.example',
    'https://evil.example/x',
    '/\\evil.example',
    '/%2F%2Fevil.example',
  ]) {
    it(`returnTo ${target} → the redirect stays on the app`, async () => {
      assert.equal(await callbackLocation(`/signin?returnTo=${encodeURIComponent(target)}`), '/')
    })
  }

  // Regression: the callback answered `303 Location: //evil.example` for these, written into the
  // sign-in link exactly as here (the query string is decoded once before safeReturnTo sees it).
  for (const query of [
    '%2F.%2F%2Fevil.example',
    '/..//evil.example',
    '/a/..//evil.example',
    '/%2e//evil.example',
    '/%252e//evil.example',
    '/.///evil.example',
  ]) {
    it(`open redirect after sign-in: returnTo=${query} → the callback redirects on the app`, async () => {
      const location = await callbackLocation(`/signin?returnTo=${query}`)
      assert.equal(new URL(location, `${APP}/signin-oidc`).origin, APP, location)
      assert.equal(location, '/')
    })
  }

  // Regression: the length was checked before normalisation, whose percent-encoding made a short
  // value long enough to overflow the transaction cookie: a 500 for anyone's crafted link.
  for (const [name, value] of [
    ['416 × é', `/${'é'.repeat(416)}`],
    ['1,000 double quotes', `/${'"'.repeat(1000)}`],
    ['700 emoji', `/${'🙂'.repeat(700)}`],
  ]) {
    it(`a returnTo that normalises to more than 2,048 characters (${name}) → the home page, not a 500`, async () => {
      const start = await h.app(`/signin?returnTo=${encodeURIComponent(value ?? '')}`)
      assert.equal(start.status, 302, await start.clone().text())
      assert.equal(
        await callbackLocation(`/signin?returnTo=${encodeURIComponent(value ?? '')}`),
        '/',
      )
    })
  }

  it('the longest returnTo kept (2,048 characters once normalised) still fits the sign-in', async () => {
    const longest = `/${'a'.repeat(2047)}`
    assert.equal(await callbackLocation(`/signin?returnTo=${encodeURIComponent(longest)}`), longest)
  })

  it('a same-origin returnTo survives the round trip', async () => {
    assert.equal(await callbackLocation('/signin?returnTo=%2Ftodos%3Fpage%3D2'), '/todos?page=2')
  })

  it('whatever returnTo /signin is given, the sealed redirect stays on the app and carries no CR/LF (property)', async () => {
    const unit = fc.constantFrom(
      ...'/\\.%2ef5c@:?#&=',
      '\t',
      '\r',
      '\n',
      '\u2215',
      '\u2044',
      '\uff0f',
      '\uff3c',
      'evil.example',
    )
    await fc.assert(
      fc.asyncProperty(fc.string({ unit, maxLength: 24 }), fc.boolean(), async (s, encode) => {
        const value = encode ? encodeURIComponent(s) : s.replace(/[#&\s]/g, encodeURIComponent)
        const start = await h.idweb.handle(new Request(`${APP}/signin?returnTo=${value}`))
        assert.ok(start)
        assert.equal(start.status, 302)
        const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? ''
        const cookie = start.headers
          .getSetCookie()
          .map((c) => c.split(';', 1)[0])
          .join('; ')
        const tx = await h.idweb.sessions.openTransaction<SignInTransaction>(
          new Request(`${APP}/signin-oidc`, { headers: { cookie } }),
          state,
        )
        assert.ok(tx, 'the transaction opens')
        const location = tx.returnTo
        assert.ok(!/[\r\n\t\\]/.test(location), JSON.stringify(location))
        const followed = new URL(location, `${APP}/signin-oidc`)
        assert.equal(followed.origin, APP, JSON.stringify(location))
        assert.ok(location.startsWith('/') && !location.startsWith('//'), location)
      }),
      { numRuns: 10_000 },
    )
  })
})
