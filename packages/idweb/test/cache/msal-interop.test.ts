// What idweb writes after real sign-ins and refreshes (dev IdP), read by the real msal-node, and
// caches in the forms MSAL libraries write, read by idweb. Regressions of the interop failures
// found with msal-node 7 and MSAL Python 1.21.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { MsalCacheJson } from '../../src/cache/entities.ts'
import { exportMsalCache, importMsalCache } from '../../src/cache/msal-import.ts'
import { Partition } from '../../src/cache/partition.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { alice, browserRequest, type Harness, startHarness } from '../web/harness.ts'
import { newKey } from './fixtures.ts'
import { offlineMsalApp } from './msal-offline.ts'
import { pythonFinds } from './msal-python.ts'

const credentials = (json: MsalCacheJson) => [
  ...Object.values(json.IdToken),
  ...Object.values(json.AccessToken),
  ...Object.values(json.RefreshToken),
]

describe('idweb’s cache after a refresh, read by the real msal-node', () => {
  let h: Harness
  before(async () => {
    h = await startHarness({ idp: { rotateRefreshTokens: true } })
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
  })
  after(() => h.close())

  it('a refreshed token keeps its account (regression): every credential names the account, and msal-node serves it silently', async () => {
    const { user } = await h.idweb.authenticate(browserRequest(h))
    assert.ok(user)
    const refreshed = await h.idweb.getTokenForUser(user, ['User.Read'], { forceRefresh: true })
    assert.equal(refreshed.fromCache, false)
    const home = user.account.homeAccountId
    const json = (await h.idweb.cache.partition(home)).toJSON()
    for (const c of credentials(json)) {
      assert.equal(c.home_account_id, home, `${c.credential_type} keeps the account`)
    }
    const environment = new URL(h.idp.url).host
    const { app, networkCalls } = offlineMsalApp({
      clientId: h.idweb.config.clientId,
      tenant: user.account.realm,
      environment,
    })
    await app.getTokenCache().deserialize(JSON.stringify(json))
    const [account] = await app.getTokenCache().getAllAccounts()
    assert.ok(account, 'msal-node finds the account')
    const result = await app.acquireTokenSilent({ account, scopes: ['User.Read'] })
    assert.equal(result.fromCache, true)
    assert.equal(result.accessToken, refreshed.accessToken, 'the refreshed token, not the first')
    assert.deepEqual(networkCalls, [])

    // MSAL Python's own lookups, as acquire_token_silent makes them.
    const query = { client_id: h.idweb.config.clientId, environment, home_account_id: home }
    const python = await pythonFinds(JSON.stringify(json), [
      {
        type: 'AccessToken',
        target: ['User.Read'],
        query: { ...query, realm: user.account.realm },
      },
      { type: 'RefreshToken', query },
      { type: 'Account', query: { home_account_id: home, environment } },
    ])
    assert.ok(
      python.found[0]?.includes(refreshed.accessToken),
      'MSAL Python finds the refreshed token',
    )
    assert.equal(python.found[1]?.length, 1, 'one refresh token, the rotated one')
    assert.deepEqual(python.found[2], [home])
  })
})

/** A test account, and a refresh token of it (client `c`, public cloud) as MSAL writes one. */
const HOME = 'uid.utid'
const rt = (secret: string, at: number) => ({
  home_account_id: HOME,
  environment: 'login.microsoftonline.com',
  client_id: 'c',
  credential_type: 'RefreshToken',
  secret,
  last_modification_time: String(at),
})

describe('keys in every form MSAL libraries write', () => {
  const home = HOME
  const base = { home_account_id: home, environment: 'login.microsoftonline.com', client_id: 'c' }

  it('one refresh token under two key forms (regression): the newer wins, and one is written, in msal-node’s form', () => {
    // What msal-node leaves after refreshing a cache another client wrote with a two-dash key.
    const node = `${home}-login.microsoftonline.com-refreshtoken-c---`
    const python = `${home}-login.microsoftonline.com-refreshtoken-c--`
    const json = JSON.stringify({
      RefreshToken: { [node]: rt('rt-new', 2000), [python]: rt('rt-used', 1000) },
    })
    const reversed = JSON.stringify({
      RefreshToken: { [python]: rt('rt-used', 1000), [node]: rt('rt-new', 2000) },
    })
    for (const order of [json, reversed]) {
      const p = Partition.deserialize(home, order)
      assert.equal(
        p.findRefreshToken({ clientId: 'c', environment: 'login.microsoftonline.com' })?.secret,
        'rt-new',
      )
    }
    const out = Partition.deserialize(home, json).toJSON()
    assert.deepEqual(Object.keys(out.RefreshToken), [
      `${home}-login.microsoftonline.com-refreshtoken-c---`,
    ])
  })

  it('a cache MSAL Python wrote keeps its keys when idweb writes it back, a refresh included, so Python replaces its entries in place', () => {
    const env = 'login.microsoftonline.com'
    const python = {
      Account: {
        [`${home}-${env}-utid`]: {
          home_account_id: home,
          environment: env,
          realm: 'utid',
          local_account_id: 'uid',
          username: 'a@contoso.com',
          authority_type: 'MSSTS',
        },
      },
      IdToken: {
        [`${home}-${env}-idtoken-c-utid-`]: {
          ...base,
          credential_type: 'IdToken',
          secret: 'idt',
          realm: 'utid',
        },
      },
      RefreshToken: { [`${home}-${env}-refreshtoken-c--`]: rt('rt-1', 1000) },
    }
    const p = Partition.deserialize(home, JSON.stringify(python))
    p.saveTokenResponse({
      clientId: 'c',
      environment: env,
      realm: 'utid',
      scopes: ['User.Read'],
      accessToken: 'at-2',
      refreshToken: 'rt-2',
      homeAccountId: home,
    })
    const out = p.toJSON()
    assert.deepEqual(Object.keys(out.Account), Object.keys(python.Account))
    assert.deepEqual(Object.keys(out.IdToken), Object.keys(python.IdToken))
    assert.deepEqual(Object.keys(out.RefreshToken), Object.keys(python.RefreshToken))
    assert.equal(Object.values(out.RefreshToken)[0]?.secret, 'rt-2')
    // New entities take the partition's form too: MSAL Python updates only keys it makes itself,
    // so a token under msal-node's form would stay beside the one it writes next.
    assert.deepEqual(Object.keys(out.AccessToken), [`${home}-${env}-accesstoken-c-utid-user.read`])
  })
})

describe('key forms survive a merge of two instances’ copies', () => {
  it('a newer refresh token merged from the store keeps the key MSAL Python wrote it under, once', () => {
    const home = HOME
    const env = 'login.microsoftonline.com'
    const python = `${home}-${env}-refreshtoken-c--`
    // This instance wrote its copy itself; the store's newer one came from MSAL Python.
    const mine = new Partition(home)
    mine.saveTokenResponse(
      {
        clientId: 'c',
        environment: env,
        realm: 'utid',
        scopes: [],
        refreshToken: 'rt-1',
        homeAccountId: home,
      },
      1000 * 1000,
    )
    const theirs = Partition.deserialize(
      home,
      JSON.stringify({ RefreshToken: { [python]: rt('rt-2', 2000) } }),
    )
    mine.merge(theirs)
    const out = mine.toJSON().RefreshToken
    assert.deepEqual(Object.keys(out), [python])
    assert.equal(out[python]?.secret, 'rt-2')
  })
})

describe('app-only tokens in MSAL Python’s form', () => {
  const env = 'login.microsoftonline.com'
  const at = (home: string | null, secret: string) => ({
    home_account_id: home,
    environment: env,
    client_id: 'c',
    credential_type: 'AccessToken',
    secret,
    realm: 'tid',
    target: 'https://graph.microsoft.com/.default',
    cached_at: String(Math.floor(Date.now() / 1000)),
    expires_on: String(Math.floor(Date.now() / 1000) + 3600),
    token_type: 'Bearer',
  })
  const query = {
    clientId: 'c',
    environment: env,
    realm: 'tid',
    scopes: ['https://graph.microsoft.com/.default'],
  }

  it('a token with home_account_id null (regression) is read, not dropped, and written back as null', () => {
    const json = JSON.stringify({
      AccessToken: {
        [`-${env}-accesstoken-c-tid-https://graph.microsoft.com/.default`]: at(null, 'app-at'),
      },
    })
    const p = Partition.deserialize('app:c:tid', json)
    assert.equal(p.findAccessToken(query)?.secret, 'app-at')
    assert.equal(Object.values(p.toJSON().AccessToken)[0]?.home_account_id, null)
  })

  it('a new app token joins a Python-written cache as null, and a fresh cache as msal-node’s empty string', () => {
    const saved = (p: Partition) => {
      p.saveTokenResponse({
        clientId: 'c',
        environment: env,
        realm: 'tid',
        scopes: ['api://x/.default'],
        accessToken: 'new',
      })
      return Object.values(p.toJSON().AccessToken).find((e) => e.secret === 'new')?.home_account_id
    }
    const python = Partition.deserialize(
      'app:c:tid',
      JSON.stringify({ AccessToken: { k: at(null, 'old') } }),
    )
    assert.equal(saved(python), null)
    assert.equal(saved(new Partition('app:c:tid')), '')
  })

  it('MSAL Python’s acquire_token_for_client lookup finds the app tokens idweb wrote back into its cache', async () => {
    const p = Partition.deserialize(
      'app:c:tid',
      JSON.stringify({ AccessToken: { k: at(null, 'old') } }),
    )
    p.saveTokenResponse({
      clientId: 'c',
      environment: env,
      realm: 'tid',
      scopes: ['api://x/.default'],
      accessToken: 'new',
    })
    const query = { client_id: 'c', environment: env, realm: 'tid', home_account_id: null }
    const python = await pythonFinds(p.serialize(), [
      { type: 'AccessToken', target: ['https://graph.microsoft.com/.default'], query },
      { type: 'AccessToken', target: ['api://x/.default'], query },
    ])
    assert.deepEqual(python.found, [['old'], ['new']])
  })
})

describe('environments: the aliases of a cloud are one, and a port is not compared', () => {
  const home = 'uid.utid'
  const entities = (env: string) => ({
    AccessToken: {
      a: {
        home_account_id: home,
        environment: env,
        client_id: 'c',
        credential_type: 'AccessToken',
        secret: `at@${env}`,
        realm: 'utid',
        target: 'User.Read',
        cached_at: String(Math.floor(Date.now() / 1000)),
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      },
    },
    RefreshToken: {
      r: {
        home_account_id: home,
        environment: env,
        client_id: 'c',
        credential_type: 'RefreshToken',
        secret: `rt@${env}`,
      },
    },
  })
  const find = (recorded: string, asked: string) => {
    const p = Partition.deserialize(home, JSON.stringify(entities(recorded)))
    return [
      p.findAccessToken({ clientId: 'c', environment: asked, realm: 'utid', scopes: ['User.Read'] })
        ?.secret,
      p.findRefreshToken({ clientId: 'c', environment: asked })?.secret,
    ]
  }

  it('what MSAL Python records under login.microsoftonline.com serves idweb configured for it (regression), under every public-cloud alias', () => {
    for (const asked of [
      'login.windows.net',
      'login.microsoftonline.com',
      'login.microsoft.com',
      'sts.windows.net',
      'LOGIN.MICROSOFTONLINE.COM',
    ]) {
      assert.deepEqual(
        find('login.microsoftonline.com', asked),
        ['at@login.microsoftonline.com', 'rt@login.microsoftonline.com'],
        asked,
      )
    }
  })

  it('national clouds alias likewise, and never across clouds', () => {
    assert.deepEqual(find('login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'), [
      'at@login.chinacloudapi.cn',
      'rt@login.chinacloudapi.cn',
    ])
    assert.deepEqual(find('login.usgovcloudapi.net', 'login.microsoftonline.us'), [
      'at@login.usgovcloudapi.net',
      'rt@login.usgovcloudapi.net',
    ])
    assert.deepEqual(find('login.microsoftonline.us', 'login.microsoftonline.com'), [
      undefined,
      undefined,
    ])
    assert.deepEqual(find('login.microsoftonline.com', 'login.chinacloudapi.cn'), [
      undefined,
      undefined,
    ])
  })

  it('localhost as MSAL Python records it serves localhost:4000 as idweb and msal-node record it; another host does not', () => {
    assert.deepEqual(find('localhost', 'localhost:4000'), ['at@localhost', 'rt@localhost'])
    assert.deepEqual(find('localhost:4000', 'localhost'), [
      'at@localhost:4000',
      'rt@localhost:4000',
    ])
    assert.deepEqual(find('localhost', '127.0.0.1:4000'), [undefined, undefined])
  })

  it('what idweb writes keeps the environment it was given, port included', () => {
    const p = new Partition(home)
    p.saveTokenResponse({
      clientId: 'c',
      environment: 'localhost:4000',
      realm: 'utid',
      scopes: ['User.Read'],
      accessToken: 'x',
      homeAccountId: home,
    })
    assert.equal(Object.values(p.toJSON().AccessToken)[0]?.environment, 'localhost:4000')
  })
})

describe('importMsalCache / exportMsalCache: moving a whole msal-node cache into idweb', () => {
  it('msal-node’s serialized cache of two users and an app token becomes three partitions that idweb serves, and each exports back to msal-node', async () => {
    const { CLIENT, ENV, TENANT, home: homeOf, userResponse } = await import('./fixtures.ts')
    // A cache the real msal-node holds and serializes.
    const source = new TokenCache()
    const json: Record<string, Record<string, unknown>> = {}
    for (const u of ['ann', 'ben']) {
      const p = await source.partition(homeOf(u))
      // msal-node reads the ID token's claims: a JWT-shaped one (not verified).
      const claims = {
        iss: `https://${ENV}/${TENANT}/v2.0`,
        aud: CLIENT,
        oid: u,
        tid: TENANT,
        sub: u,
      }
      const idToken = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
      p.saveTokenResponse(userResponse(u, { idToken }))
      for (const [section, entries] of Object.entries(p.toJSON())) {
        json[section] = { ...json[section], ...entries }
      }
    }
    const app = new Partition('x')
    app.saveTokenResponse({
      clientId: CLIENT,
      environment: ENV,
      realm: TENANT,
      scopes: ['api://x/.default'],
      accessToken: 'app-at',
    })
    json.AccessToken = { ...json.AccessToken, ...app.toJSON().AccessToken }
    const msal = offlineMsalApp({ clientId: CLIENT, tenant: TENANT, environment: ENV })
    await msal.app.getTokenCache().deserialize(JSON.stringify(json))
    const fromMsal = msal.app.getTokenCache().serialize()

    const cache = new TokenCache({ store: new MemoryStore(), keys: [newKey('k')] })
    const { partitions } = await importMsalCache(cache, fromMsal)
    assert.deepEqual(
      partitions.sort(),
      [`app:${CLIENT}:${TENANT}`, homeOf('ann'), homeOf('ben')].sort(),
    )
    const query = { clientId: CLIENT, environment: ENV, realm: TENANT }
    for (const u of ['ann', 'ben']) {
      const p = await cache.partition(homeOf(u))
      assert.equal(p.findAccessToken({ ...query, scopes: ['User.Read'] })?.secret, `at-${u}`)
      assert.equal(p.accounts().length, 1, 'only its own account')
    }
    const appPart = await cache.partition(`app:${CLIENT}:${TENANT}`)
    assert.equal(
      appPart.findAccessToken({ ...query, scopes: ['api://x/.default'] })?.secret,
      'app-at',
    )

    // And back: msal-node serves what idweb exports, offline.
    const back = offlineMsalApp({ clientId: CLIENT, tenant: TENANT, environment: ENV })
    await back.app.getTokenCache().deserialize(await exportMsalCache(cache, homeOf('ben')))
    const [account, ...others] = await back.app.getTokenCache().getAllAccounts()
    assert.equal(others.length, 0)
    const result = await back.app.acquireTokenSilent({ account: account!, scopes: ['User.Read'] })
    assert.equal(result.accessToken, 'at-ben')
    assert.deepEqual(back.networkCalls, [])
  })

  it('refuses what is not an MSAL cache, writing nothing', async () => {
    const store = new MemoryStore()
    const cache = new TokenCache({ store, keys: [newKey('k')] })
    await assert.rejects(importMsalCache(cache, '[1,2]'), /IDW_CACHE_CORRUPT|Token cache JSON/)
    assert.equal(store.size, 0)
  })
})
