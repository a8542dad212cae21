import { createHash } from 'node:crypto'
import type Provider from 'oidc-provider'
import type { Account, FindAccount } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import type { App, User } from '../directory/index.ts'
import { wantsClaim } from '../directory/optional-claims.ts'

/** Entra's `sub`: stable per user and app, different between apps (pairwise). */
export function pairwiseSubject(seed: string, oid: string, appId: string): string {
  return createHash('sha256')
    .update(`${seed}|${oid}|${appId.toLowerCase()}`)
    .digest('base64url')
    .slice(0, 43)
}

/**
 * The claims Entra puts in ID tokens about a user, for the app `app` signs in to. `given_name`,
 * `family_name` and `groups` only when the app registration asks for them (optional claims,
 * `groupMembershipClaims`); the provider then filters by scope.
 */
export function userClaims(user: User, app: App | undefined): Record<string, unknown> {
  const roles = app ? user.roles?.[app.appId] : undefined
  const wants = (claim: string) => wantsClaim(app, 'idToken', claim)
  return {
    sub: user.oid,
    oid: user.oid,
    tid: user.tenantId,
    ver: '2.0',
    name: user.name,
    preferred_username: user.preferredUsername,
    email: user.email ?? user.preferredUsername,
    ...(wants('given_name') && user.givenName ? { given_name: user.givenName } : {}),
    ...(wants('family_name') && user.surname ? { family_name: user.surname } : {}),
    ...(roles?.length ? { roles } : {}),
    ...(wants('groups') && user.groups?.length ? { groups: user.groups } : {}),
  }
}

/** `findAccount` for one tenant: account ids are user object ids of that tenant. */
export function accountFinder(ctx: IdpContext, tenantId: string): FindAccount {
  return async (koa, sub): Promise<Account | undefined> => {
    const user = ctx.index.userByOid(sub)
    if (!user || user.tenantId !== tenantId) return undefined
    return {
      accountId: user.oid,
      async claims() {
        const clientId = koa.oidc?.client?.clientId
        return userClaims(user, clientId ? ctx.index.app(clientId) : undefined) as Awaited<
          ReturnType<Account['claims']>
        >
      },
    }
  }
}

/** Makes the `sub` of ID tokens pairwise per client app, as Entra's is. */
export function pairwiseIdTokenSubjects(provider: Provider, seed: string): void {
  const proto = provider.Claims.prototype as unknown as {
    result: (this: { client: { clientId: string } }) => Promise<Record<string, unknown>>
  }
  const original = proto.result
  proto.result = async function result() {
    const claims = await original.call(this)
    if (typeof claims.sub === 'string')
      claims.sub = pairwiseSubject(seed, claims.sub, this.client.clientId)
    return claims
  }
}
