import type { AppRegistration } from './types.ts'

/** The token types an app registration configures optional claims for. */
export type OptionalClaimToken = 'idToken' | 'accessToken'

/**
 * The optional claims the development provider knows, per token type. `email` is accepted in ID
 * tokens but changes nothing: the `email` scope decides, as before.
 */
export const supportedOptionalClaims: Readonly<Record<OptionalClaimToken, readonly string[]>> = {
  idToken: ['given_name', 'family_name', 'groups', 'email'],
  accessToken: ['idtyp', 'groups', 'given_name', 'family_name'],
}

/**
 * Whether tokens of type `token` concerning `app` carry the optional claim `claim`: ID tokens
 * the app receives, or access tokens issued for it as an API (Entra configures access-token
 * claims on the resource). `groups` is also switched on by `groupMembershipClaims`.
 *
 * @example
 * ```ts
 * wantsClaim({ ...app, groupMembershipClaims: 'SecurityGroup' }, 'idToken', 'groups') // true
 * ```
 */
export function wantsClaim(
  app: AppRegistration | undefined,
  token: OptionalClaimToken,
  claim: string,
): boolean {
  if (!app) return false
  const membership = app.groupMembershipClaims
  if (claim === 'groups' && (membership === 'SecurityGroup' || membership === 'All')) return true
  return app.optionalClaims?.[token]?.some((c) => c.name === claim) ?? false
}
