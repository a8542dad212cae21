import type { IdpContext } from '../context.ts'
import { redirectUriMatches } from '../provider/redirect-uri.ts'

/**
 * Entra accepts `post_logout_redirect_uri` without `client_id` or `id_token_hint`; oidc-provider
 * does not. When exactly one app registers the URI, name it as the client.
 */
export function inferLogoutClient(ctx: IdpContext, params: URLSearchParams): URLSearchParams {
  const uri = params.get('post_logout_redirect_uri')
  if (!uri || params.has('client_id') || params.has('id_token_hint')) return params
  const apps = ctx.index.apps.filter((a) => redirectUriMatches(a.postLogoutRedirectUris ?? [], uri))
  const copy = new URLSearchParams(params)
  if (apps.length === 1 && apps[0]) copy.set('client_id', apps[0].appId)
  return copy
}
