import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, startDevIdp } from '@idweb/dev-idp'
import {
  APP,
  alice,
  browserRequest,
  type Harness,
  SECRETS,
  sessionCookie,
  startHarness,
} from './harness.ts'

describe('session cookies a browser or an attacker may send', () => {
  let idp: DevIdp
  let h: Harness

  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
    h = await startHarness({ sharedIdp: idp })
  })
  after(async () => {
    await h.close()
    await idp.close()
  })

  it('tampered, truncated, garbage and old-secret session cookies are anonymous, never a 500', async () => {
    h.jar.clear()
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
    const good = sessionCookie(h)
    assert.ok(
      good,
      `${callback.headers.getSetCookie().join(' | ').slice(0, 400)} // ${h.jar.header(APP)?.slice(0, 200)}`,
    )
    const variants = [
      `${good.slice(0, -2)}${good.at(-2) === 'A' ? 'B' : 'A'}${good.slice(-1)}`,
      good.slice(0, good.length / 2),
      'garbage',
      'a.b.c.d.e',
      '',
      '%00%ff',
      'x'.repeat(5000),
    ]
    for (const value of variants) {
      const request = new Request(`${APP}/`, { headers: { cookie: `idweb.session=${value}` } })
      assert.equal((await h.idweb.authenticate(request)).user, undefined, value.slice(0, 20))
      for (const path of ['/signin', '/signout', '/signin-oidc', '/signout-callback-oidc']) {
        const res = await h.idweb.handle(
          new Request(`${APP}${path}`, { headers: { cookie: `idweb.session=${value}` } }),
        )
        assert.ok(res && res.status < 500, `${path} answered ${res?.status}`)
      }
    }
    const rotatedOut = h.restart({ env: {} })
    assert.ok((await rotatedOut.authenticate(browserRequest(h))).user, 'same secrets: signed in')
    const rotated = await startHarness({
      sharedIdp: idp,
      app: { session: { secrets: ['a-brand-new-session-secret-with-enough-entropy-1'] } },
    })
    assert.equal(
      (await rotated.idweb.authenticate(browserRequest(h))).user,
      undefined,
      'old secret no longer listed',
    )
    const stillListed = await startHarness({
      sharedIdp: idp,
      app: {
        session: { secrets: ['a-brand-new-session-secret-with-enough-entropy-1', ...SECRETS] },
      },
    })
    assert.ok(
      (await stillListed.idweb.authenticate(browserRequest(h))).user,
      'old secret still in the list',
    )
    await rotated.close()
    await stillListed.close()
  })
})
