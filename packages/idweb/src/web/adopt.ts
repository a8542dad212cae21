import { ConfigError, InteractionRequiredError } from '../errors.ts'
import { redactId } from '../logger.ts'
import { sessionClaimsOf, type WebContext } from './context.ts'

/**
 * Starts a session for an account whose refresh token is already in the token cache, with no
 * browser round trip: for moving users from another MSAL app (their partitions imported with
 * `importMsalCache`) without signing them in again. The refresh token is redeemed once, under the
 * account's locks, and the session is built from the ID token that comes back, validated as at a
 * sign-in (signature, issuer, tenant, audience), never from cached claims. Returns the
 * `Set-Cookie` values, or `undefined` when the cache holds no refresh token for the account, the
 * provider wants the user to interact, or the ID token names another account.
 *
 * Only for an account the app has already authenticated by other means (the old app's own
 * server-side session): whoever can name a home account id here is signed in as it.
 */
export async function signInFromCache(
  ctx: WebContext,
  request: Request,
  homeAccountId: string,
): Promise<string[] | undefined> {
  if (ctx.tokenPartition('') !== undefined) {
    throw new ConfigError(
      'tokenCache.store',
      'is `session`: tokens then belong to a session, not to an account, so there is no account to sign in from the cache. Use a per-account store while moving users over.',
    )
  }
  const logged = { account: redactId(homeAccountId) }
  let signedIn: Awaited<ReturnType<typeof ctx.acquirer.signInWithCachedRefreshToken>>
  try {
    signedIn = await ctx.acquirer.signInWithCachedRefreshToken(
      homeAccountId,
      ctx.config.initialScopes,
    )
  } catch (err) {
    if (!(err instanceof InteractionRequiredError)) throw err
    ctx.logger.info('the cached account must sign in', { ...logged, reason: err.reason })
    return undefined
  }
  if (!signedIn) return undefined
  const { result, account } = signedIn
  if (account.homeAccountId !== homeAccountId || !result.idTokenClaims) {
    ctx.logger.warn('the cached refresh token signs in another account; not used', logged)
    return undefined
  }
  const session = ctx.sessions.create({
    homeAccountId,
    claims: sessionClaimsOf(result.idTokenClaims),
  })
  ctx.logger.info('user signed in from the token cache', logged)
  return ctx.sessions.commit(request, session)
}
