import { decodeJwt } from 'jose'
import type { TokenCache } from '../cache/token-cache.ts'
import { ConfigError } from '../errors.ts'
import { redactId } from '../logger.ts'
import { accountOf, SESSION_CLAIMS, type WebContext } from './context.ts'
import type { Authentication } from './user.ts'

/**
 * Starts a session for an account whose tokens are already in the token cache, with no round
 * trip to the provider: for moving users from another MSAL app (their partitions imported with
 * `importMsalCache`) without signing them in again. The session holds the claims of the account's
 * cached ID token. `undefined` when the cache holds no account and ID token for it.
 *
 * Only for an account the app has already authenticated by other means (the old app's own
 * server-side session): whoever can name a home account id here is signed in as it.
 */
export async function signInFromCache(
  ctx: WebContext,
  cache: TokenCache,
  request: Request,
  homeAccountId: string,
): Promise<Authentication | undefined> {
  if (ctx.tokenPartition('') !== undefined) {
    throw new ConfigError(
      'tokenCache.store',
      'is `session`: tokens then belong to a session, not to an account, so there is no account to sign in from the cache. Use a per-account store while moving users over.',
    )
  }
  const p = await cache.partition(homeAccountId)
  const account = p.account()
  if (account?.home_account_id !== homeAccountId) return undefined
  const idToken = p.findIdToken({
    clientId: ctx.config.clientId,
    environment: account.environment,
    realm: account.realm,
  })
  if (!idToken) return undefined
  let payload: Record<string, unknown>
  try {
    payload = decodeJwt(idToken.secret)
  } catch {
    return undefined
  }
  const claims: Record<string, unknown> = {}
  for (const name of SESSION_CLAIMS) if (payload[name] !== undefined) claims[name] = payload[name]
  const session = ctx.sessions.create({ homeAccountId, claims })
  const user = accountOf(session)
  if (!user) return undefined
  const setCookies = await ctx.sessions.commit(request, session)
  ctx.logger.info('user signed in from the token cache', { account: redactId(homeAccountId) })
  return { user: { claims: session.user.claims, account: user, session }, setCookies }
}
