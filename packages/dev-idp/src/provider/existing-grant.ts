import type { Grant, KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import { canonicalScope, OIDC_SCOPES } from '../scopes.ts'

/**
 * Builds the grant an authorization request starts from out of the remembered consent (user +
 * client + resource scopes), pre-authorized applications and admin consent. What it lacks is what
 * the consent page asks for.
 */
export function loadExistingGrantHook(ctx: IdpContext, tenantId: string) {
  return async (koa: KoaContextWithOIDC): Promise<Grant | undefined> => {
    const { provider } = koa.oidc
    const resultGrantId = (koa.oidc.result?.consent as { grantId?: string } | undefined)?.grantId
    if (resultGrantId) return provider.Grant.find(resultGrantId)
    const accountId = koa.oidc.session?.accountId
    const clientId = koa.oidc.client?.clientId
    if (!accountId || !clientId) return undefined
    const subject = { tenantId, oid: accountId, clientId }
    const grant = new provider.Grant({ accountId, clientId })
    const requested = new Set(String(koa.oidc.params?.scope ?? '').split(' '))
    let preconsented = false
    for (const identifier of Object.keys(koa.oidc.resourceServers ?? {})) {
      const resource = ctx.index.resource(identifier)
      if (!resource) continue
      const names = [...ctx.consents.effective(subject, resource)]
      if (names.length === 0) continue
      grant.addResourceScope(
        identifier,
        [...names, '.default'].map((n) => canonicalScope(resource, n)).join(' '),
      )
      const asked = [...requested].filter((s) => s.startsWith(`${resource.identifier}/`))
      const granted = new Set(names.map((n) => canonicalScope(resource, n)))
      const defaultOk = (s: string) => s.endsWith('/.default')
      preconsented = asked.length > 0 && asked.every((s) => granted.has(s) || defaultOk(s))
    }
    const oidc = preconsented
      ? [...requested].filter((s) => OIDC_SCOPES.has(s))
      : ctx.consents.oidcScopes(subject)
    if (oidc.length > 0) grant.addOIDCScope(oidc.join(' '))
    await grant.save()
    return grant
  }
}
