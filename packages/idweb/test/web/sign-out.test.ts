import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, startDevIdp } from '@idweb/dev-idp'
import express from 'express'
import { idwebMiddleware, requireUser } from '../../src/adapters/express/index.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { listen } from '../adapters/express/support.ts'
import { APP, alice, type Harness, startHarness, withCookie } from './harness.ts'

describe('sign-out ends the session, for every copy of its cookie', () => {
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

  async function signedInCopy(harness = h): Promise<string> {
    harness.jar.clear()
    const { callback } = await harness.signIn(alice)
    assert.equal(callback.status, 303)
    const copy = harness.jar.header(APP) ?? ''
    assert.ok((await harness.idweb.authenticate(withCookie(copy))).user, 'signed in')
    return copy
  }

  it('sign-out leaves a copied cookie valid (regression): after POST /signout the copy is anonymous', async () => {
    const copy = await signedInCopy()
    const out = await h.app('/signout', { method: 'POST' })
    assert.equal(out.status, 302)
    const replay = await h.idweb.authenticate(withCookie(copy))
    assert.equal(replay.user, undefined, 'the copy no longer signs anyone in')
  })

  it('the copy is anonymous through Express too: requireUser sends it to sign in', async () => {
    const copy = await signedInCopy()
    await h.app('/signout', { method: 'POST' })
    const app = express()
    app.use(idwebMiddleware(h.idweb))
    app.get('/', (req, res) => {
      res.send(`Hello, ${req.identity.claims.name ?? 'stranger'}`)
    })
    app.get('/private', requireUser(), (_req, res) => {
      res.send('secret')
    })
    const server = await listen(app, 'localhost')
    try {
      const home = await fetch(`${server.url}/`, { headers: { cookie: copy } })
      assert.equal(await home.text(), 'Hello, stranger')
      const guarded = await fetch(`${server.url}/private`, {
        headers: { cookie: copy, accept: 'text/html' },
        redirect: 'manual',
      })
      assert.equal(guarded.status, 302)
      assert.match(guarded.headers.get('location') ?? '', /^\/signin\?returnTo=/)
    } finally {
      await server.close()
    }
  })

  it('GET /signout ends the session the same way', async () => {
    const copy = await signedInCopy()
    await h.app('/signout')
    assert.equal((await h.idweb.authenticate(withCookie(copy))).user, undefined)
  })

  it('a new sign-in over an old session ends the old one: its copy is anonymous', async () => {
    const copy = await signedInCopy()
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
    assert.equal((await h.idweb.authenticate(withCookie(copy))).user, undefined)
    assert.ok((await h.idweb.authenticate(withCookie(h.jar.header(APP) ?? ''))).user)
  })

  it('two instances on one store: sign-out on one, the copy is refused by the other', async () => {
    const store = new MemoryStore()
    const keys = [{ id: 'k1', key: randomBytes(32) }]
    const a = await startHarness({
      sharedIdp: idp,
      deps: { cache: new TokenCache({ store, keys }) },
    })
    const b = a.restart({ cache: new TokenCache({ store, keys }) })
    const first = a.restart({ cache: new TokenCache({ store, keys }) })
    try {
      a.idweb = first
      const copy = await signedInCopy(a)
      assert.ok((await b.authenticate(withCookie(copy))).user, 'instance B accepts the session')
      await a.app('/signout', { method: 'POST' })
      assert.equal(
        (await b.authenticate(withCookie(copy))).user,
        undefined,
        'instance B refuses it',
      )
    } finally {
      await b.close()
      await a.close()
    }
  })

  it('the other instance waits for a slow revocation read up to tokenCache.storeTimeoutMs (regression: it gave up after 250 ms)', async () => {
    /** A shared store whose revocation reads take 400 ms: over the 250 ms default. */
    class SlowRevocationReads extends MemoryStore {
      override async get(key: string): Promise<Uint8Array | undefined> {
        if (key.startsWith('idweb:revoked:')) await new Promise((r) => setTimeout(r, 400))
        return super.get(key)
      }
    }
    const store = new SlowRevocationReads()
    const keys = [{ id: 'k1', key: randomBytes(32) }]
    const a = await startHarness({
      sharedIdp: idp,
      app: { tokenCache: { storeTimeoutMs: 5000 } },
      deps: { cache: new TokenCache({ store, keys }) },
    })
    const b = a.restart({ cache: new TokenCache({ store, keys }) })
    const first = a.restart({ cache: new TokenCache({ store, keys }) })
    try {
      a.idweb = first
      const copy = await signedInCopy(a)
      await a.app('/signout', { method: 'POST' })
      assert.equal(
        (await b.authenticate(withCookie(copy))).user,
        undefined,
        'instance B waited for the record and refuses the copy',
      )
    } finally {
      await b.close()
      await a.close()
    }
  })
})
