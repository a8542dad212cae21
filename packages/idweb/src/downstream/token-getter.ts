import type { AcquiredToken, TokenAcquirer } from '../acquisition/acquirer.ts'
import { IdwebError } from '../errors.ts'
import type { SignedInUser } from '../web/context.ts'

/** Options a token request may carry. */
export interface TokenRequestOptions {
  /** A claims challenge (JSON) to satisfy. */
  claims?: string | undefined
  /** Skip the cache. */
  forceRefresh?: boolean | undefined
}

/**
 * Gets an access token for some scopes: the seam between idweb's acquirer and clients that bring
 * their own HTTP stack (Graph SDK, Azure SDK).
 *
 * @example
 * ```ts
 * const getToken: TokenGetter = (scopes) => acquirer.getTokenForUser(scopes, user.account)
 * ```
 */
export type TokenGetter = (
  scopes: readonly string[],
  options?: TokenRequestOptions,
) => Promise<AcquiredToken>

/**
 * A {@link TokenGetter} for the signed-in `user` (delegated tokens) or, with `requestAppToken`, for
 * the app itself (client credentials; `user` may then be `undefined`). For app tokens a `claims`
 * request forces a new token, since client credentials cannot carry a user's claims.
 *
 * @throws `IDW_NOT_SIGNED_IN` when a user token is asked for without a user.
 * @example
 * ```ts
 * const getToken = tokenGetter(acquirer, user)
 * const graph = await createGraphClient({ apis: config.downstreamApis, getToken })
 * const storage = new BlobServiceClient(url, tokenCredential(tokenGetter(acquirer, undefined, { requestAppToken: true })))
 * ```
 */
export function tokenGetter(
  acquirer: TokenAcquirer,
  user: SignedInUser | undefined,
  options: { requestAppToken?: boolean; tenant?: string } = {},
): TokenGetter {
  if (options.requestAppToken) {
    const tenant = options.tenant
    return (scopes, request = {}) =>
      acquirer.getTokenForApp(scopes, {
        ...(tenant !== undefined ? { tenant } : {}),
        forceRefresh: Boolean(request.forceRefresh || request.claims),
      })
  }
  if (!user) {
    throw new IdwebError(
      'IDW_NOT_SIGNED_IN',
      'A token for the signed-in user was asked for, and no user is signed in: require a user first.',
    )
  }
  const account = user.account
  return (scopes, request = {}) =>
    acquirer.getTokenForUser(scopes, account, {
      claims: request.claims,
      forceRefresh: request.forceRefresh,
    })
}
