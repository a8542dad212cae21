import type { AccountInfo } from '@azure/msal-node'
// The cache is not exported from the package root yet; import its sources directly.
import { TokenCache } from '../packages/idweb/src/cache/index.ts'
import { offlineMsalApp } from '../packages/idweb/test/cache/msal-offline.ts'
import {
  type BenchAccount,
  CLIENT,
  ENV,
  makeAccounts,
  msalCacheJson,
  responseFor,
  SCOPES,
  TENANT,
} from './data.ts'

/** One library with `accounts` cached accounts, ready to answer silent calls from its cache. */
export interface Scenario {
  readonly name: string
  readonly accounts: number
  /** One silent acquisition that hits the cache; resolves the access token. */
  run(): Promise<string>
  /** Network calls the library attempted so far (must stay 0). */
  networkCalls(): number
}

/**
 * idweb, silent call on a cache hit: `cache.partition(homeAccountId)` then `findAccessToken`.
 * When the acquisition layer lands, `run` becomes `acquirer.getTokenForUser(SCOPES, account)`.
 * `rotate` spreads calls over every account instead of one.
 */
export async function idwebSilentHit(
  n: number,
  options: { rotate?: boolean; accounts?: BenchAccount[] } = {},
): Promise<Scenario> {
  const accounts = options.accounts ?? makeAccounts(n)
  const cache = new TokenCache({ maxBytes: Number.POSITIVE_INFINITY })
  for (const a of accounts) {
    const p = await cache.partition(a.homeAccountId)
    p.saveTokenResponse(responseFor(a))
  }
  const query = { clientId: CLIENT, environment: ENV, realm: TENANT, scopes: SCOPES }
  const keys = accounts.map((a) => a.homeAccountId)
  const one = keys[n >> 1]!
  let i = 0
  const next = options.rotate ? () => keys[i++ % n]! : () => one
  return {
    name: options.rotate ? 'idweb (every account in turn)' : 'idweb',
    accounts: n,
    async run() {
      const p = await cache.partition(next())
      const token = p.findAccessToken(query)
      if (token === undefined) throw new Error('idweb bench: cache miss')
      return token.secret
    },
    networkCalls: () => 0,
  }
}

/**
 * msal-node, silent call on a cache hit: a ConfidentialClientApplication whose cache was
 * deserialized from an MSAL JSON of `n` accounts, `acquireTokenSilent` for one of them. Authority
 * and cloud discovery metadata are given inline and its network client refuses every call.
 */
export async function msalNodeSilentHit(
  n: number,
  options: { accounts?: BenchAccount[] } = {},
): Promise<Scenario> {
  let accounts: BenchAccount[] | undefined = options.accounts ?? makeAccounts(n)
  const target = accounts[n >> 1]!
  // Built by hand: msal-node's getAccountByHomeId is quadratic in the number of accounts
  // (minutes at 10,000), which would only measure the harness.
  const account: AccountInfo = {
    homeAccountId: target.homeAccountId,
    environment: ENV,
    tenantId: TENANT,
    username: target.username,
    localAccountId: target.oid,
    name: target.username,
  }
  const { app, networkCalls } = offlineMsalApp({
    clientId: CLIENT,
    tenant: TENANT,
    environment: ENV,
  })
  let json: string | undefined = msalCacheJson(accounts, Math.floor(Date.now() / 1000))
  accounts = undefined
  await app.getTokenCache().deserialize(json)
  json = undefined
  const request = { account, scopes: [...SCOPES] }
  return {
    name: 'msal-node',
    accounts: n,
    async run() {
      const result = await app.acquireTokenSilent(request)
      if (!result.fromCache) throw new Error('msal-node bench: not served from the cache')
      return result.accessToken
    },
    networkCalls: () => networkCalls.length,
  }
}
