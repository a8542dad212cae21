import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../../context.ts'
import { EntraError } from '../../protocol-error.ts'
import { parseScopes } from '../../scopes.ts'
import { issueAccessToken, requireParam } from './issue.ts'

/**
 * Client credentials: `scope` must be exactly `{resource}/.default` (AADSTS1002012 otherwise);
 * the token carries the app roles assigned to the client on that resource. The response has no
 * `scope`, as Entra's (`token_type`, `expires_in`, `ext_expires_in`, `access_token`): clients
 * keep the scope they asked for.
 */
export function clientCredentialsGrant(ctx: IdpContext, provider: Provider) {
  return async function clientCredentialsHandler(koa: KoaContextWithOIDC): Promise<void> {
    const scope = requireParam(koa, 'scope')
    const request = parseScopes(ctx.index, scope)
    const { resource } = request
    if (!resource || request.oidc.length > 0 || request.names.join(' ') !== '.default') {
      throw new EntraError({
        error: 'invalid_scope',
        aadsts: 1002012,
        message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      })
    }
    const at = await issueAccessToken(ctx, provider, koa, {
      gty: 'client_credentials',
      resource,
      names: ['.default'],
    })
    koa.body = {
      token_type: 'Bearer',
      expires_in: at.expiresIn,
      ext_expires_in: at.expiresIn,
      access_token: at.value,
    }
  }
}
