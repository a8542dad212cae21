import type Provider from 'oidc-provider'
import type { Account, KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../../context.ts'
import type { Resource } from '../../directory/index.ts'
import { EntraError } from '../../protocol-error.ts'
import { canonicalScope, displayScope } from '../../scopes.ts'
import { resourceServerInfo } from '../resources.ts'

/** The parts of oidc-provider models the grant handlers use (its typings are looser). */
interface SavableToken {
  save(): Promise<string>
  expiration: number
  resourceServer?: unknown
}
type TokenClass = new (properties: Record<string, unknown>) => SavableToken

/** A token endpoint parameter, or an AADSTS900144 error naming it. */
export function requireParam(koa: KoaContextWithOIDC, name: string): string {
  const value = (koa.oidc.params as Record<string, unknown> | undefined)?.[name]
  if (typeof value !== 'string' || value.length === 0) {
    throw new EntraError({
      error: 'invalid_request',
      aadsts: 900144,
      message: `The request body must contain the following parameter: '${name}'.`,
    })
  }
  return value
}

/** The optional string parameter `name`. */
export function optionalParam(koa: KoaContextWithOIDC, name: string): string | undefined {
  const value = (koa.oidc.params as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

/** AADSTS65001 `consent_required`: the client must send the user through authorize again. */
export function consentRequired(
  ctx: IdpContext,
  clientId: string,
  resource: Resource,
  missing: string[],
): EntraError {
  const app = ctx.index.app(clientId)
  return new EntraError({
    error: 'invalid_grant',
    aadsts: 65001,
    suberror: 'consent_required',
    message: `The user or administrator has not consented to use the application with ID '${clientId}' named '${app?.displayName ?? clientId}'. Send an interactive authorization request for this user and resource. Missing: ${missing.map((n) => displayScope(resource, n)).join(' ')}`,
  })
}

/** Mints a JWT access token for a user (or, without `accountId`, for the app itself). */
export async function issueAccessToken(
  ctx: IdpContext,
  provider: Provider,
  koa: KoaContextWithOIDC,
  input: { accountId?: string; grantId?: string; gty: string; resource: Resource; names: string[] },
): Promise<{ value: string; expiresIn: number }> {
  const Model = (input.accountId
    ? provider.AccessToken
    : provider.ClientCredentials) as unknown as TokenClass
  const token = new Model({
    accountId: input.accountId,
    client: koa.oidc.client,
    grantId: input.grantId,
    gty: input.gty,
    expiresWithSession: false,
    scope: input.names.map((n) => canonicalScope(input.resource, n)).join(' '),
  })
  token.resourceServer = new provider.ResourceServer(
    input.resource.identifier,
    resourceServerInfo(ctx, input.resource),
  )
  koa.oidc.entity(input.accountId ? 'AccessToken' : 'ClientCredentials', token as never)
  const value = await token.save()
  return { value, expiresIn: token.expiration }
}

/** Mints a refresh token bound to a grant. */
export async function issueRefreshToken(
  provider: Provider,
  koa: KoaContextWithOIDC,
  input: {
    accountId: string
    grantId: string
    gty: string
    scope: string
    /** The scope as the client spelled it, for the answers of later refreshes. */
    askedScope: string
    rotations?: number
    iiat?: number
    sessionUid?: string
    sid?: string
    authTime?: number
  },
): Promise<string> {
  const Model = provider.RefreshToken as unknown as TokenClass
  const token = new Model({ ...input, client: koa.oidc.client, expiresWithSession: false })
  koa.oidc.entity('RefreshToken', token as never)
  return token.save()
}

/** Mints an ID token for the account (claims filtered by the OIDC scopes). */
export async function issueIdToken(
  provider: Provider,
  koa: KoaContextWithOIDC,
  account: Account,
  oidcScopes: string[],
  authTime?: number,
): Promise<string> {
  const scope = oidcScopes.filter((s) => s !== 'offline_access').join(' ')
  const claims = await account.claims('id_token', scope, {}, [])
  const IdToken = provider.IdToken as unknown as new (
    claims: Record<string, unknown>,
    options: { ctx: KoaContextWithOIDC },
  ) => { scope: string; issue(options: { use: 'idtoken' }): Promise<string> }
  const token = new IdToken(
    { ...claims, sub: account.accountId, auth_time: authTime },
    { ctx: koa },
  )
  token.scope = scope
  return token.issue({ use: 'idtoken' })
}
