import type { KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import { derivedGuid } from '../directory/index.ts'
import { wantsClaim } from '../directory/optional-claims.ts'
import { pairwiseSubject } from './account.ts'
import { opaqueClaims } from './opaque-claims.ts'

/** The part of an oidc-provider token model the customizer reads. */
interface TokenModel {
  kind: string
  accountId?: string
  clientId?: string
  scope?: string
  resourceServer?: { identifier(): string }
}

interface StructuredToken {
  header: Record<string, unknown> | undefined
  payload: Record<string, unknown>
}

/** The object id of an app's service principal in a tenant (stable, derived). */
export function servicePrincipalOid(appId: string, tenantId: string): string {
  return derivedGuid('service-principal', appId, tenantId)
}

/** `azpacr`: 0 public client, 1 secret, 2 certificate. */
function authContext(koa: KoaContextWithOIDC | undefined): string {
  const method = koa?.oidc?.client?.clientAuthMethod
  if (method === 'none') return '0'
  return method === 'private_key_jwt' ? '2' : '1'
}

/**
 * Shapes oidc-provider's JWT access tokens like Entra v2 access tokens: header `typ: "JWT"`,
 * `aud` the API's app id, `scp` the scope names without prefix, `roles`, `azp`, `azpacr`, `oid`,
 * `tid`, `nbf`, `uti`, `aio`, `rh`, `ver: "2.0"`; and the optional claims the API's registration
 * asks for (`idtyp` in app-only tokens; `groups`, `given_name`, `family_name` in user tokens).
 */
export function accessTokenCustomizer(ctx: IdpContext, tenantId: string) {
  return async (koa: KoaContextWithOIDC | undefined, token: TokenModel, jwt: StructuredToken) => {
    const resourceId = token.resourceServer?.identifier()
    const resource = resourceId ? ctx.index.resource(resourceId) : undefined
    const p = jwt.payload
    const clientId = String(p.client_id ?? token.clientId)
    const names = scopeNames(String(token.scope ?? ''), resource?.identifier)
    jwt.header = { typ: 'JWT' }
    delete p.client_id
    delete p.scope
    Object.assign(p, {
      nbf: p.iat,
      azp: clientId,
      azpacr: authContext(koa),
      tid: tenantId,
      ver: '2.0',
      ...opaqueClaims(),
    })
    if (resource) p.aud = resource.appId
    const api = resource && !resource.isGraph ? ctx.index.app(resource.appId) : undefined
    const wants = (claim: string) => wantsClaim(api, 'accessToken', claim)
    if (token.kind === 'ClientCredentials' || !token.accountId) {
      const oid = servicePrincipalOid(clientId, tenantId)
      Object.assign(p, { oid, sub: oid, ...(wants('idtyp') ? { idtyp: 'app' } : {}) })
      const roles = resource ? ctx.index.appRolesFor(clientId, resource) : []
      if (roles.length > 0) p.roles = roles
      return
    }
    const user = ctx.index.userByOid(token.accountId)
    const subject = { tenantId, oid: token.accountId, clientId }
    const scp = resource ? ctx.consents.granted(subject, resource, names) : names
    Object.assign(p, {
      oid: token.accountId,
      sub: pairwiseSubject(ctx.options.seed, token.accountId, clientId),
      scp: scp.join(' '),
      ...(user ? { name: user.name, preferred_username: user.preferredUsername } : {}),
    })
    if (user?.givenName && wants('given_name')) p.given_name = user.givenName
    if (user?.surname && wants('family_name')) p.family_name = user.surname
    if (user?.groups?.length && wants('groups')) p.groups = user.groups
    const roles = resource && user ? user.roles?.[resource.appId] : undefined
    if (roles?.length) p.roles = roles
  }
}

function scopeNames(scope: string, identifier: string | undefined): string[] {
  const prefix = identifier ? `${identifier}/` : undefined
  return scope
    .split(' ')
    .filter(Boolean)
    .map((s) => (prefix && s.startsWith(prefix) ? s.slice(prefix.length) : s))
}
