// The on-behalf-of cache stays within its bound, whatever the number of distinct incoming tokens:
// a web API gets a new one for every caller and every hour, and caches that keep them all grow
// without end (what Microsoft.Identity.Web's users report). Everything here is idweb's own, from
// the configuration to the cache, except the provider: 10,000 exchanges at the dev IdP would take
// about 30 s of the suite, so a function standing in for the provider's HTTP answers discovery
// and the token endpoint in process (the store, Redis, is the real one). The same bound, with
// fewer tokens, is shown against the real dev IdP in app-and-obo.test.ts.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { createIdweb } from '../../src/web/idweb.ts'

const TENANT = '7d1c6a51-3b2e-4f9a-9c8d-1e2f3a4b5c6d'
const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`
const BOUND = 256 * 1024

/** Discovery and an on-behalf-of token endpoint, answering in process; counts exchanges. */
function providerInProcess() {
  const seen = { exchanges: 0 }
  let n = 0
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input)
    const json = (body: unknown) =>
      new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
    if (url.endsWith('/.well-known/openid-configuration')) {
      return json({
        issuer: ISSUER,
        authorization_endpoint: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`,
        token_endpoint: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
        jwks_uri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      })
    }
    const body = new URLSearchParams(String(init?.body ?? ''))
    assert.equal(body.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer')
    assert.equal(body.get('requested_token_use'), 'on_behalf_of')
    seen.exchanges++
    n++
    return json({
      token_type: 'Bearer',
      access_token: `graph-token-${n}-${'x'.repeat(1200)}`,
      refresh_token: `obo-refresh-${n}-${'r'.repeat(600)}`,
      expires_in: 3600,
      scope: 'User.Read',
    })
  }
  return { fetch: fetch as typeof globalThis.fetch, seen }
}

function api(fetch: typeof globalThis.fetch, clock: () => number = Date.now) {
  return createIdweb(
    {
      instance: 'https://login.microsoftonline.com/',
      tenantId: TENANT,
      clientId: 'a0000000-0000-4000-c000-0000000000b0',
      clientSecret: 'obo-bound-test-secret-dev-only-000001',
      session: { secrets: ['a-session-secret-for-the-obo-bound-test-1'] },
      tokenCache: { onBehalfOfMemoryBytes: BOUND, onBehalfOfSlidingSeconds: 600 },
    },
    { env: {}, fetch, clock },
  )
}

describe('the on-behalf-of cache is bounded', () => {
  it('10,000 distinct incoming tokens: memory stays within the bound, recent callers still hit', async () => {
    const provider = providerInProcess()
    const idweb = api(provider.fetch)
    try {
      let peak = 0
      for (let i = 0; i < 10_000; i++) {
        const token = await idweb.acquirer.getTokenOnBehalfOf(`incoming-${i}`, ['User.Read'])
        assert.equal(token.fromCache, false)
        // Sampled: the bound holds all along, not only at the end.
        if (i % 97 === 0) peak = Math.max(peak, obo(idweb).bytes)
      }
      peak = Math.max(peak, obo(idweb).bytes)
      assert.equal(provider.seen.exchanges, 10_000)
      assert.ok(peak <= BOUND, `peak ${peak} bytes > bound ${BOUND}`)
      const held = obo(idweb).size
      assert.ok(held > 20 && held < 1000, `${held} partitions held`)
      assert.equal(obo(idweb).stats.evictions, 10_000 - held)
      // Users' tokens are elsewhere: the on-behalf-of entries never crowd them out.
      assert.equal(idweb.cache.size, 0)
      // The latest caller is a hit; the first was evicted long ago and is exchanged again.
      const recent = await idweb.acquirer.getTokenOnBehalfOf('incoming-9999', ['User.Read'])
      assert.equal(recent.fromCache, true)
      const first = await idweb.acquirer.getTokenOnBehalfOf('incoming-0', ['User.Read'])
      assert.equal(first.fromCache, false)
      assert.equal(provider.seen.exchanges, 10_001)
    } finally {
      await idweb.close()
    }
  })

  it('sliding: an entry used within its lifetime stays, one idle past it is exchanged again', async () => {
    const provider = providerInProcess()
    let now = Date.now()
    const idweb = api(provider.fetch, () => now)
    try {
      await idweb.acquirer.getTokenOnBehalfOf('busy', ['User.Read'])
      await idweb.acquirer.getTokenOnBehalfOf('idle', ['User.Read'])
      for (let minute = 0; minute < 9; minute++) {
        now += 60_000
        assert.equal(
          (await idweb.acquirer.getTokenOnBehalfOf('busy', ['User.Read'])).fromCache,
          true,
        )
      }
      now += 60_001 // 'idle' was last used 10 minutes and 1 ms ago: past its 600 s
      assert.equal((await idweb.acquirer.getTokenOnBehalfOf('busy', ['User.Read'])).fromCache, true)
      assert.equal(
        (await idweb.acquirer.getTokenOnBehalfOf('idle', ['User.Read'])).fromCache,
        false,
      )
      assert.equal(provider.seen.exchanges, 3)
    } finally {
      await idweb.close()
    }
  })

  it('the bounds are settings, checked like the others', () => {
    const provider = providerInProcess()
    for (const [tokenCache, message] of [
      [{ onBehalfOfMemoryBytes: -1 }, /tokenCache\.onBehalfOfMemoryBytes/],
      [{ onBehalfOfSlidingSeconds: 5 }, /tokenCache\.onBehalfOfSlidingSeconds/],
    ] as const) {
      assert.throws(
        () =>
          createIdweb(
            {
              instance: 'https://login.microsoftonline.com/',
              tenantId: TENANT,
              clientId: 'a0000000-0000-4000-c000-0000000000b0',
              clientSecret: 'obo-bound-test-secret-dev-only-000001',
              session: { secrets: ['a-session-secret-for-the-obo-bound-test-1'] },
              tokenCache,
            },
            { env: {}, fetch: provider.fetch },
          ),
        message,
      )
    }
  })
})

/** The acquirer's on-behalf-of cache, as the API sees it through idweb. */
function obo(idweb: ReturnType<typeof api>) {
  return idweb.onBehalfOfCache
}

describe('the on-behalf-of cache over a shared store', () => {
  it("Redis: entries under idweb:obo:, living their sliding lifetime, apart from users' tokens", async () => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true })
    await redis.connect()
    const provider = providerInProcess()
    const idweb = createIdweb(
      {
        instance: 'https://login.microsoftonline.com/',
        tenantId: TENANT,
        clientId: 'a0000000-0000-4000-c000-0000000000b0',
        clientSecret: 'obo-bound-test-secret-dev-only-000001',
        session: { secrets: ['a-session-secret-for-the-obo-bound-test-1'] },
        tokenCache: {
          store: 'redis://127.0.0.1:6379',
          storeTimeoutMs: 5000,
          onBehalfOfSlidingSeconds: 900,
        },
      },
      { env: {}, fetch: provider.fetch },
    )
    const incoming = `incoming-${Math.random().toString(36).slice(2)}`
    try {
      await idweb.ready({ verify: false })
      const before = new Set(await redis.keys('idweb:obo:*'))
      await idweb.acquirer.getTokenOnBehalfOf(incoming, ['User.Read'])
      const added = (await redis.keys('idweb:obo:*')).filter(
        (k) => !before.has(k) && !k.includes('lock'),
      )
      assert.equal(added.length, 1, `${added}`)
      const ttl = await redis.ttl(added[0]!)
      assert.ok(ttl > 890 && ttl <= 900, `ttl ${ttl}`)
      // Another instance on the same store: served from Redis, no exchange.
      const other = createIdweb(
        {
          instance: 'https://login.microsoftonline.com/',
          tenantId: TENANT,
          clientId: 'a0000000-0000-4000-c000-0000000000b0',
          clientSecret: 'obo-bound-test-secret-dev-only-000001',
          session: { secrets: ['a-session-secret-for-the-obo-bound-test-1'] },
          tokenCache: { store: 'redis://127.0.0.1:6379', storeTimeoutMs: 5000 },
        },
        { env: {}, fetch: provider.fetch },
      )
      try {
        await other.ready({ verify: false })
        const shared = await other.acquirer.getTokenOnBehalfOf(incoming, ['User.Read'])
        assert.equal(shared.fromCache, true)
        assert.equal(provider.seen.exchanges, 1)
      } finally {
        await other.close()
      }
      await redis.del(...added)
    } finally {
      await idweb.close()
      redis.disconnect()
    }
  })
})
