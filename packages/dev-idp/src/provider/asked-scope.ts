import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { currentRequestContext } from './request-context.ts'

/**
 * The authorization parameter that carries the `scope` as the client sent it through login and
 * consent (oidc-provider keeps only the canonical form it compares). The resource hook sets it on
 * every authorization and device authorization request, over anything a client sent under this
 * name; it only decides how the token response spells the scopes granted.
 */
export const ASKED_SCOPE_PARAM = 'dev_idp_asked_scope'

/** A code or refresh token that remembers the `scope` it was asked with. */
interface WithAskedScope {
  askedScope?: string | undefined
  save(...args: unknown[]): Promise<string>
}

type Model = { IN_PAYLOAD: string[]; prototype: WithAskedScope }

/**
 * The `scope` as the client spelled it for what this request issues: the token request's own
 * `scope` when it has one, else that of the authorization (or device authorization) request of
 * the code being redeemed, else this authorization request's.
 */
export function askedScopeOf(koa: KoaContextWithOIDC): string | undefined {
  const { AuthorizationCode, DeviceCode } = koa.oidc.entities
  const body = koa.oidc.body as Record<string, unknown> | undefined
  const params = koa.oidc.params as Record<string, unknown> | undefined
  const deviceParams = DeviceCode?.params as Record<string, unknown> | undefined
  const candidates = [
    koa.oidc.route === 'token' ? body?.scope : undefined,
    (AuthorizationCode as WithAskedScope | undefined)?.askedScope,
    deviceParams?.[ASKED_SCOPE_PARAM],
    params?.[ASKED_SCOPE_PARAM],
  ]
  return candidates.find((value): value is string => typeof value === 'string' && value !== '')
}

/**
 * Makes authorization codes and refresh tokens keep `askedScope`, the scope as the client spelled
 * it, so that redeeming them answers `scope` in the client's forms (Entra's behaviour, which
 * MSAL's cache relies on). A token that was not given one takes its request's, see
 * {@link askedScopeOf}.
 */
export function keepAskedScopes(provider: Provider): void {
  for (const model of [provider.AuthorizationCode, provider.RefreshToken] as unknown as Model[]) {
    const inPayload = [...model.IN_PAYLOAD, 'askedScope']
    Object.defineProperty(model, 'IN_PAYLOAD', { configurable: true, get: () => inPayload })
    const save = model.prototype.save
    model.prototype.save = function saveWithAskedScope(...args: unknown[]) {
      const koa = currentRequestContext()
      if (this.askedScope === undefined && koa) this.askedScope = askedScopeOf(koa)
      return save.apply(this, args)
    }
  }
}
