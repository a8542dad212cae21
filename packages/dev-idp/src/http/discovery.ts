import type { IdpContext } from '../context.ts'
import { OIDC_SCOPES } from '../scopes.ts'

/**
 * The discovery document of a tenant (`segment` = tenant id) or of `common` / `organizations`,
 * whose issuer is the template `{origin}/{tenantid}/v2.0`, as Entra publishes it.
 */
export function discoveryDocument(ctx: IdpContext, segment: string, tenantSpecific: boolean) {
  const base = `${ctx.origin}/${segment}`
  const host = new URL(ctx.origin).host
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: [...OIDC_SCOPES],
    issuer: tenantSpecific ? `${ctx.origin}/${segment}/v2.0` : `${ctx.origin}/{tenantid}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.origin}/graph/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
      'oid',
      'roles',
      'groups',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: host,
    cloud_graph_host_name: host,
    msgraph_host: `${host}/graph`,
    rbac_url: ctx.origin,
    ...(tenantSpecific && ctx.options.issuerInAuthResponse
      ? { authorization_response_iss_parameter_supported: true }
      : {}),
  }
}
