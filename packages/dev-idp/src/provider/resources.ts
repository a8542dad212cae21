import type { KoaContextWithOIDC, ResourceServer } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import type { Resource } from '../directory/index.ts'
import { EntraError } from '../protocol-error.ts'
import { canonicalScope, canonicalScopeString, parseScopes } from '../scopes.ts'
import { ASKED_SCOPE_PARAM } from './asked-scope.ts'

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
 * `https://graph.microsoft.com/User.Read`) before the provider compares scopes, and keeps the
 * scope as the client spelled it in {@link ASKED_SCOPE_PARAM} for the token response.
 */
export function defaultResourceHook(ctx: IdpContext) {
  return async (koa: KoaContextWithOIDC, _client: unknown, oneOf?: string | string[]) => {
    const params = koa.oidc.params as Record<string, unknown> | undefined
    if (params && isAuthorizationRequest(koa)) params[ASKED_SCOPE_PARAM] = originalScope(koa)
    if (oneOf !== undefined) return Array.isArray(oneOf) ? oneOf[0] : oneOf
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
  if (!isAuthorizationRequest(koa)) return scope
  const asked = originalScope(koa)?.split(' ').includes('offline_access') ?? false
  const kept = scope?.split(' ').includes('offline_access') ?? false
  if (!asked || kept || !koa.oidc.client?.grantTypeAllowed('refresh_token')) return scope
  return scope ? `${scope} offline_access` : 'offline_access'
}

/** The first request of an authorization (not its resumption after login or consent). */
function isAuthorizationRequest(koa: KoaContextWithOIDC): boolean {
  const route = koa.oidc.route
  return route === 'authorization' || route === 'device_authorization'
}

/** The `scope` the client sent, before this hook rewrote it. */
function originalScope(koa: KoaContextWithOIDC): string | undefined {
  const body = koa.oidc.body as Record<string, unknown> | undefined
  const original = koa.method === 'POST' ? body?.scope : koa.query.scope
  return typeof original === 'string' ? original : undefined
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
