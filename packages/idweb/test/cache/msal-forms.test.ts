// The forms idweb writes into a partition another MSAL client wrote, and how an import settles
// copies of one token: each MSAL library updates only the keys and values it makes itself, so
// what idweb adds must be in the writer's form. The round trips with the real clients are in
// msal-roundtrip.test.ts; these pin each rule.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { writeEnvironment } from '../../src/cache/environments.ts'
import { exportMsalCache, importMsalCache } from '../../src/cache/msal-import.ts'
import { Partition } from '../../src/cache/partition.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { newKey } from './fixtures.ts'

const HOME = 'uid.utid'
const save = (p: Partition, environment: string, refreshToken = 'rt-new') =>
  p.saveTokenResponse({
    clientId: 'c',
    environment,
    realm: 'utid',
    scopes: ['User.Read'],
    accessToken: 'at-new',
    expiresIn: 3600,
    refreshToken,
    homeAccountId: HOME,
  })
const pythonRt = (env: string, secret: string, at: number) => ({
  [`${HOME}-${env}-refreshtoken-c--user.read openid profile offline_access`]: {
    home_account_id: HOME,
    environment: env,
    client_id: 'c',
    credential_type: 'RefreshToken',
    secret,
    target: 'User.Read openid profile offline_access',
    last_modification_time: String(at),
  },
})

describe('the environment idweb writes', () => {
  it('a Microsoft cloud host as configured; another host as the partition records it, else with its port', () => {
    assert.equal(
      writeEnvironment('login.windows.net', ['login.microsoftonline.com']),
      'login.windows.net',
    )
    assert.equal(writeEnvironment('localhost:4000', ['localhost']), 'localhost')
    assert.equal(writeEnvironment('localhost:4000', ['idp.example']), 'localhost:4000')
    assert.equal(writeEnvironment('localhost:4000', []), 'localhost:4000')
  })

  it('in a partition MSAL Python wrote (host without port), new tokens are recorded as it records them', () => {
    const p = Partition.deserialize(
      HOME,
      JSON.stringify({ RefreshToken: pythonRt('localhost', 'rt-1', 1000) }),
    )
    save(p, 'localhost:4000')
    const json = p.toJSON()
    for (const e of [...Object.values(json.AccessToken), ...Object.values(json.RefreshToken)]) {
      assert.equal(e.environment, 'localhost')
    }
  })
})

describe('keys and values in MSAL Python’s form', () => {
  it('a refresh token keeps its key with the target, and its target, when idweb replaces it', () => {
    const p = Partition.deserialize(
      HOME,
      JSON.stringify({ RefreshToken: pythonRt('localhost', 'rt-1', 1000) }),
    )
    save(p, 'localhost')
    const rts = p.toJSON().RefreshToken
    assert.deepEqual(Object.keys(rts), Object.keys(pythonRt('localhost', '', 0)))
    const [rt] = Object.values(rts)
    assert.equal(rt?.secret, 'rt-new')
    assert.equal((rt as { target?: string }).target, 'User.Read openid profile offline_access')
  })

  it('a partition idweb started is written in msal-node 7’s form', () => {
    const p = new Partition(HOME)
    save(p, 'localhost:4000')
    assert.deepEqual(Object.keys(p.toJSON().RefreshToken), [
      `${HOME}-localhost:4000-refreshtoken-c---`,
    ])
  })
})

describe('importing a cache another client refreshed', () => {
  const cache = () => new TokenCache({ store: new MemoryStore(), keys: [newKey('k1')] })
  const nodeRt = (secret: string, at: number) => ({
    [`${HOME}-localhost-refreshtoken-c---`]: {
      home_account_id: HOME,
      environment: 'localhost',
      client_id: 'c',
      credential_type: 'RefreshToken',
      secret,
      cached_at: String(at),
    },
  })

  it('the imported copy wins a tie of whole-second timestamps (the other client wrote it last)', async () => {
    const c = cache()
    await importMsalCache(c, JSON.stringify({ RefreshToken: nodeRt('rt-1', 1000) }))
    await importMsalCache(c, JSON.stringify({ RefreshToken: nodeRt('rt-2', 1000) }))
    const out = JSON.parse(await exportMsalCache(c, HOME))
    assert.deepEqual(
      Object.values(out.RefreshToken).map((e) => (e as { secret: string }).secret),
      ['rt-2'],
    )
  })

  it('a copy the client left under another key form loses to the one it wrote, in either order', async () => {
    for (const order of ['left first', 'left last']) {
      const c = cache()
      await importMsalCache(c, JSON.stringify({ RefreshToken: nodeRt('rt-1', 1000) }))
      const left = nodeRt('rt-1', 1000)
      const written = pythonRt('localhost', 'rt-2', 1000)
      const both = order === 'left first' ? { ...left, ...written } : { ...written, ...left }
      await importMsalCache(c, JSON.stringify({ RefreshToken: both }))
      const out = JSON.parse(await exportMsalCache(c, HOME))
      assert.deepEqual(Object.keys(out.RefreshToken), Object.keys(written), order)
      assert.equal((Object.values(out.RefreshToken)[0] as { secret: string }).secret, 'rt-2')
    }
  })

  it('an older imported copy does not replace a newer one', async () => {
    const c = cache()
    await importMsalCache(c, JSON.stringify({ RefreshToken: nodeRt('rt-2', 2000) }))
    await importMsalCache(c, JSON.stringify({ RefreshToken: nodeRt('rt-1', 1000) }))
    const out = JSON.parse(await exportMsalCache(c, HOME))
    assert.equal((Object.values(out.RefreshToken)[0] as { secret: string }).secret, 'rt-2')
  })

  it('a timestamp later than now counts as now: it cannot outrank every later write', async () => {
    const c = cache()
    const now = Date.now()
    const future = Math.floor(now / 1000) + 10_000_000
    await importMsalCache(c, JSON.stringify({ RefreshToken: nodeRt('rt-used', future) }), { now })
    await importMsalCache(
      c,
      JSON.stringify({ RefreshToken: nodeRt('rt-later', Math.floor(now / 1000) + 5) }),
      { now: now + 5000 },
    )
    const out = JSON.parse(await exportMsalCache(c, HOME))
    assert.equal((Object.values(out.RefreshToken)[0] as { secret: string }).secret, 'rt-later')
  })

  it('with `account`, only that account’s partition is written', async () => {
    const c = cache()
    const other = { ...Object.values(nodeRt('rt-b', 1000))[0], home_account_id: 'b.utid' }
    const app = { ...Object.values(nodeRt('at', 1000))[0], home_account_id: '' }
    const json = JSON.stringify({
      RefreshToken: { ...nodeRt('rt-a', 1000), 'b-key': other, 'app-key': app },
    })
    const done = await importMsalCache(c, json, { account: HOME })
    assert.deepEqual(done.partitions, [HOME])
    assert.equal((await c.partition('b.utid')).isEmpty, true)
    assert.equal((await c.partition('app:c:')).isEmpty, true)
  })
})
