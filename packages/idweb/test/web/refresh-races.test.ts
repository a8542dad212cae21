// Sign-out against a refresh that is really in flight, and a signed-in account whose refresh
// token is gone. The token endpoint is the test provider's (support/test-op.ts), so it can be
// held open until the sign-out has completed, which a real provider cannot be asked to do.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, afterEach, before, describe, it } from 'node:test'
import express from 'express'
import {
  authorizeForScopes,
  errorHandler,
  idwebMiddleware,
  requireUser,
} from '../../src/adapters/express/index.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { isIdwebError } from '../../src/errors.ts'
import { listen } from '../adapters/express/support.ts'
import { APP, type OpHarness, opHarness } from './support/op-harness.ts'
import { startTestOp, type TestOp } from './support/test-op.ts'

describe('refresh against sign-out and a lost refresh token', () => {
  let op: TestOp

  before(async () => {
    op = await startTestOp()
  })
  after(() => op.close())
  afterEach(() => op.reset())

  /** Signs in with an access token already inside the refresh window: every call refreshes. */
  async function signedIn(h: OpHarness) {
    op.onToken = async (request) => ({ ...(await op.answer(request)), expires_in: 60 })
    assert.equal((await h.signIn()).status, 303)
    const { user } = await h.idweb.authenticate(
      new Request(`${APP}/`, { headers: { cookie: h.jar.header(APP) ?? '' } }),
    )
    assert.ok(user)
    return user
  }

  for (const withStore of [false, true]) {
    it(`sign-out racing a refresh in flight${withStore ? ' (shared store)' : ''} → the account stays removed`, async () => {
      const store = new MemoryStore()
      const cache = withStore
        ? new TokenCache({ store, keys: [{ id: 'k', key: randomBytes(32) }] })
        : undefined
      const h = opHarness(op, cache ? { deps: { cache } } : {})
      const user = await signedIn(h)
      let arrived: () => void = () => {}
      const inFlight = new Promise<void>((resolve) => {
        arrived = resolve
      })
      let release: () => void = () => {}
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      let refreshes = 0
      op.onToken = async (request) => {
        refreshes++
        arrived()
        await held // the token endpoint answers only once the sign-out has completed
        return op.answer(request)
      }
      const refresh = h.idweb.getTokenForUser(user, ['User.Read']).then(
        (token) => ({ token }),
        (err: unknown) => ({ err }),
      )
      await inFlight
      const out = await h.app('/signout', { method: 'POST' })
      assert.equal(out.status, 302)
      release()
      await refresh
      assert.equal(refreshes, 1)
      const home = user.account.homeAccountId
      assert.equal(h.idweb.cache.peek(home), undefined, 'nothing back in memory')
      const reread = await h.idweb.cache.partition(home)
      assert.equal(reread.account(), undefined, 'no account in the cache')
      assert.equal(reread.isEmpty, true)
      if (withStore) assert.deepEqual(store.keys('idweb:tc:'), [], 'nothing written to the store')
      await assert.rejects(h.idweb.getTokenForUser(user, ['User.Read']), (err: unknown) =>
        isIdwebError(err, 'IDW_INTERACTION_REQUIRED'),
      )
      assert.equal(refreshes, 1, 'the later call did not refresh with the old refresh token')
    })
  }

  it('the account is cached but its refresh token is gone → IDW_INTERACTION_REQUIRED, and the page re-challenges', async () => {
    const h = opHarness(op)
    const user = await signedIn(h)
    const p = await h.idweb.cache.partition(user.account.homeAccountId)
    const entity = p.findRefreshToken({
      clientId: h.idweb.config.clientId,
      environment: h.idweb.config.authority.environment,
    })
    assert.ok(entity, 'a refresh token was cached')
    p.removeRefreshToken(entity)
    assert.ok(p.account(), 'the account is still there')
    await assert.rejects(h.idweb.getTokenForUser(user, ['User.Read']), (err: unknown) => {
      assert.ok(isIdwebError(err, 'IDW_INTERACTION_REQUIRED'))
      assert.equal((err as { reason?: string }).reason, 'no_refresh_token')
      return true
    })
    const web = express()
    web.use(idwebMiddleware(h.idweb))
    web.get(
      '/profile',
      requireUser(),
      authorizeForScopes([], async (req, res) => {
        res.send(await req.identity.getToken(['User.Read']))
      }),
    )
    web.get('/raw', async (req, res) => {
      res.send(await req.identity.getToken(['User.Read']))
    })
    web.use(errorHandler({ onError: () => {} }))
    const server = await listen(web, 'localhost')
    try {
      for (const path of ['/profile', '/raw']) {
        const res = await fetch(`${server.url}${path}`, {
          headers: { cookie: h.jar.header(APP) ?? '', accept: 'text/html' },
          redirect: 'manual',
        })
        assert.equal(res.status, 302, `${path}: a re-challenge, not an error page`)
        const location = new URL(res.headers.get('location') ?? '')
        assert.equal(`${location.origin}${location.pathname}`, `${op.issuer}/authorize`)
        assert.equal(new URL(location).searchParams.get('client_id'), h.idweb.config.clientId)
      }
    } finally {
      await server.close()
    }
  })
})
