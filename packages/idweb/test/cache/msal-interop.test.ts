// What idweb writes after real sign-ins and refreshes (dev IdP), read by the real msal-node, and
// caches in the forms MSAL libraries write, read by idweb. Regressions of the interop failures
// found with msal-node 7 and MSAL Python 1.21.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { MsalCacheJson } from '../../src/cache/entities.ts'
import { Partition } from '../../src/cache/partition.ts'
import { alice, browserRequest, type Harness, startHarness } from '../web/harness.ts'
import { offlineMsalApp } from './msal-offline.ts'

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
  })
})

describe('keys in every form MSAL libraries write', () => {
  const home = 'uid.utid'
  const base = { home_account_id: home, environment: 'login.microsoftonline.com', client_id: 'c' }
  const rt = (secret: string, at: number) => ({
    ...base,
    credential_type: 'RefreshToken',
    secret,
    last_modification_time: String(at),
  })

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
    // New entities take msal-node 7's form.
    assert.deepEqual(Object.keys(out.AccessToken), [`${home}-${env}-accesstoken-c-utid-user.read-`])
  })
})
