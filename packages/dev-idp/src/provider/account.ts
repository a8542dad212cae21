import { createHash } from 'node:crypto'
import type Provider from 'oidc-provider'
import type { Account, FindAccount } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import type { User } from '../directory/index.ts'

/** Entra's `sub`: stable per user and app, different between apps (pairwise). */
export function pairwiseSubject(seed: string, oid: string, appId: string): string {
  return createHash('sha256')
    .update(`${seed}|${oid}|${appId.toLowerCase()}`)
    .digest('base64url')
    .slice(0, 43)
}

/** The claims Entra puts in ID tokens about a user. */
export function userClaims(user: User, clientId: string | undefined): Record<string, unknown> {
  const roles = clientId ? user.roles?.[clientId] : undefined
  return {
    sub: user.oid,
    oid: user.oid,
    tid: user.tenantId,
    ver: '2.0',
    name: user.name,
    preferred_username: user.preferredUsername,
    email: user.email ?? user.preferredUsername,
    given_name: user.givenName,
    family_name: user.surname,
    ...(roles?.length ? { roles } : {}),
    ...(user.groups?.length ? { groups: user.groups } : {}),
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
        return userClaims(user, koa.oidc?.client?.clientId) as Awaited<
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
