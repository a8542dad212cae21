import type { AccountInfo, ConfidentialClientApplication } from '@azure/msal-node'
import { TokenAcquirer, TokenCache } from 'idweb'
import { offlineMsalApp } from '../packages/idweb/test/cache/msal-offline.ts'
import {
  type BenchAccount,
  CLIENT,
  ENV,
  makeAccounts,
  msalAccountOf,
  msalCacheJson,
  responseFor,
  SCOPES,
  TENANT,
  userOf,
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
  const users = accounts.map(userOf)
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
  const account = msalAccountOf(target)
  const { app, networkCalls } = offlineMsalApp({
    clientId: CLIENT,
    tenant: TENANT,
    environment: ENV,
  })
  let json: string | undefined = msalCacheJson(accounts, Math.floor(Date.now() / 1000))
  accounts = undefined
  await app.getTokenCache().deserialize(json)
  json = undefined
  return msalScenario('msal-node', n, app, account, networkCalls)
}

/** msal-node's silent call for `account` from `app`'s cache, which must answer it. */
export function msalScenario(
  name: string,
  n: number,
  app: ConfidentialClientApplication,
  account: AccountInfo,
  networkCalls: readonly string[],
): Scenario {
  const request = { account, scopes: [...SCOPES] }
  return {
    name,
    accounts: n,
    async run() {
      const result = await app.acquireTokenSilent(request)
      if (!result.fromCache) throw new Error('msal-node bench: not served from the cache')
      return result.accessToken
    },
    networkCalls: () => networkCalls.length,
  }
}
