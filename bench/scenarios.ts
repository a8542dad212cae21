import type { AccountInfo } from '@azure/msal-node'
import { TokenAcquirer, TokenCache, type UserAccount } from 'idweb'
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
 * idweb, silent acquisition on a cache hit: `acquirer.getTokenForUser(scopes, account)`, the call an
 * app makes per request, over a cache holding `n` accounts. The provider is unreachable on purpose
 * (any call to it counts as a network call and fails). `rotate` spreads calls over every account.
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
  let network = 0
  const acquirer = new TokenAcquirer({
    cache,
    clientId: CLIENT,
    environment: ENV,
    authorityType: 'MSSTS',
    protocol: async () => {
      network++
      throw new Error('idweb bench: the provider must not be called on a cache hit')
    },
  })
  const users: UserAccount[] = accounts.map((a) => ({
    homeAccountId: a.homeAccountId,
    realm: TENANT,
    iss: `https://${ENV}/${TENANT}/v2.0`,
    sub: a.oid,
    username: a.username,
  }))
  const one = users[n >> 1]!
  let i = 0
  const next = options.rotate ? () => users[i++ % n]! : () => one
  return {
    name: options.rotate ? 'idweb (every account in turn)' : 'idweb',
    accounts: n,
    async run() {
      return (await acquirer.getTokenForUser(SCOPES, next())).accessToken
    },
    networkCalls: () => network,
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
