import type { CachedAccessToken } from '../cache/access-token-index.ts'
import type { AccountToCache, TokenResponseToCache } from '../cache/token-response.ts'
import type { TokenResult } from '../protocol/tokens.ts'
import type { AcquiredToken, UserAccount } from './acquirer.ts'

/** What every cache entry of one acquirer names: its client, cloud and kind of authority. */
export interface EntryIds {
  readonly clientId: string
  readonly environment: string
  readonly authorityType: string
}

/** A provider's answer as the cache stores it, with the account when `account` is given. */
export function cacheEntry(
  result: TokenResult,
  realm: string,
  ids: EntryIds,
  account?: UserAccount,
): TokenResponseToCache {
  const claims = result.idTokenClaims
  const toCache: AccountToCache | undefined =
    account && claims
      ? {
          homeAccountId: account.homeAccountId,
          localAccountId: typeof claims.oid === 'string' ? claims.oid : claims.sub,
          username: account.username ?? '',
          authorityType: ids.authorityType,
          ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
          ...(result.clientInfo
            ? { clientInfo: Buffer.from(JSON.stringify(result.clientInfo)).toString('base64url') }
            : {}),
        }
      : undefined
  return {
    clientId: ids.clientId,
    environment: ids.environment,
    realm,
    scopes: result.scopes,
    accessToken: result.accessToken,
    expiresIn: result.expiresIn,
    ...(result.extExpiresIn !== undefined ? { extExpiresIn: result.extExpiresIn } : {}),
    ...(result.refreshIn !== undefined ? { refreshIn: result.refreshIn } : {}),
    tokenType: result.tokenType,
    ...(result.refreshToken !== undefined ? { refreshToken: result.refreshToken } : {}),
    ...(result.idToken !== undefined ? { idToken: result.idToken } : {}),
    ...(toCache ? { account: toCache } : {}),
  }
}

/**
 * The answer for a cached token, built once per cache entry: entries are immutable and replaced
 * when the token changes, so a hit allocates nothing.
 */
const answers = new WeakMap<CachedAccessToken, AcquiredToken>()

export function cachedToken(at: CachedAccessToken): AcquiredToken {
  let answer = answers.get(at)
  if (answer === undefined) {
    answer = Object.freeze({
      accessToken: at.secret,
      tokenType: at.tokenType,
      expiresOn: new Date(at.expiresOn * 1000),
      scopes: Object.freeze(at.entity.target.split(' ')),
      fromCache: true,
    })
    answers.set(at, answer)
  }
  return answer
}
