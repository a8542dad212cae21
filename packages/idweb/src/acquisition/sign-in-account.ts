import { IdwebError } from '../errors.ts'
import { homeAccountId, type TokenResult } from '../protocol/tokens.ts'
import type { UserAccount } from './acquirer.ts'

/** What {@link TokenAcquirer.signInWithCachedRefreshToken} got. */
export interface CachedSignIn {
  /** The provider's answer, its ID token validated. */
  result: TokenResult
  /** The account that ID token names. */
  account: UserAccount
}

/** The account a sign-in's ID token names (`IDW_ID_TOKEN_INVALID` without one). */
export function signInAccount(result: TokenResult, partitionKey?: string): UserAccount {
  const claims = result.idTokenClaims
  if (!claims) throw new IdwebError('IDW_ID_TOKEN_INVALID', 'The sign-in returned no ID token.')
  return {
    homeAccountId: homeAccountId(claims, result.clientInfo),
    realm: typeof claims.tid === 'string' ? claims.tid : '',
    iss: claims.iss,
    sub: claims.sub,
    username: usernameOf(claims),
    ...(partitionKey === undefined ? {} : { partitionKey }),
  }
}

function usernameOf(claims: Record<string, unknown>): string | undefined {
  for (const name of ['preferred_username', 'upn', 'email']) {
    const v = claims[name]
    if (typeof v === 'string' && v) return v
  }
  return undefined
}
