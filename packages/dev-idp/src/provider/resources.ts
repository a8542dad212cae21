import type { KoaContextWithOIDC, ResourceServer } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import type { Resource } from '../directory/index.ts'
import { EntraError } from '../protocol-error.ts'
import { canonicalScope, canonicalScopeString, parseScopes } from '../scopes.ts'

/** The resource server oidc-provider issues JWT access tokens for. */
export function resourceServerInfo(ctx: IdpContext, resource: Resource): ResourceServer {
  return {
    scope: [...resource.scopes, '.default'].map((n) => canonicalScope(resource, n)).join(' '),
    audience: resource.appId,
    accessTokenFormat: 'jwt',
    accessTokenTTL: ctx.options.ttl.accessToken,
    jwt: { sign: { alg: 'RS256' } },
  }
}

/**
 * Entra derives the resource from the scope prefix (there is no `resource` parameter in v2).
 * This hook also rewrites the request's `scope` to canonical strings (`User.Read` →
 * `https://graph.microsoft.com/User.Read`) before the provider compares scopes.
 */
export function defaultResourceHook(ctx: IdpContext) {
  return async (koa: KoaContextWithOIDC, _client: unknown, oneOf?: string | string[]) => {
    if (oneOf !== undefined) return Array.isArray(oneOf) ? oneOf[0] : oneOf
    const params = koa.oidc.params as Record<string, unknown> | undefined
    if (!params) return undefined
    const raw = withOfflineAccess(koa, typeof params.scope === 'string' ? params.scope : undefined)
    const request = parseScopes(ctx.index, raw)
    const canonical = canonicalScopeString(request)
    params.scope = canonical.length > 0 ? canonical : undefined
    return request.resource?.identifier
  }
}

/**
 * oidc-provider drops `offline_access` unless `prompt=consent` (OpenID Connect Core 11); Entra
 * keeps it. Put it back when the client asked for it and may use refresh tokens.
 */
function withOfflineAccess(koa: KoaContextWithOIDC, scope: string | undefined): string | undefined {
  const route = koa.oidc.route
  if (route !== 'authorization' && route !== 'device_authorization') return scope
  const body = koa.oidc.body as Record<string, unknown> | undefined
  const original = koa.method === 'POST' ? body?.scope : koa.query.scope
  const asked = typeof original === 'string' && original.split(' ').includes('offline_access')
  const kept = scope?.split(' ').includes('offline_access') ?? false
  if (!asked || kept || !koa.oidc.client?.grantTypeAllowed('refresh_token')) return scope
  return scope ? `${scope} offline_access` : 'offline_access'
}

/** Resolves a resource indicator to its resource server (AADSTS500011 when unknown). */
export function resourceServerHook(ctx: IdpContext) {
  return async (_koa: KoaContextWithOIDC, identifier: string): Promise<ResourceServer> => {
    const resource = ctx.index.resource(identifier)
    if (!resource) {
      throw new EntraError({
        error: 'invalid_resource',
        aadsts: 500011,
        message: `The resource principal named ${identifier} was not found in the tenant.`,
      })
    }
    return resourceServerInfo(ctx, resource)
  }
}
