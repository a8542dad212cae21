import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
} from '@azure/msal-node'

/**
 * An msal-node confidential client that cannot reach the network: authority and cloud discovery
 * metadata are given inline, and the network client records and refuses every call. Used to
 * check that idweb's serialized partitions read in msal-node (and back), and by the benchmark.
 */
export function offlineMsalApp(
  options: { clientId: string; tenant: string; environment: string },
  cache?: Configuration['cache'],
) {
  const { clientId, tenant, environment } = options
  const base = `https://${environment}/${tenant}`
  const networkCalls: string[] = []
  const refuse = async (url: string): Promise<never> => {
    networkCalls.push(url)
    throw new Error(`offline: refused ${url}`)
  }
  const networkClient: INetworkModule = {
    sendGetRequestAsync: refuse,
    sendPostRequestAsync: refuse,
  }
  const app = new ConfidentialClientApplication({
    auth: {
      clientId,
      clientSecret: 'not-a-real-secret',
      authority: base,
      knownAuthorities: [environment],
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          { preferred_network: environment, preferred_cache: environment, aliases: [environment] },
        ],
      }),
      authorityMetadata: JSON.stringify({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `https://${environment}/${tenant}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'oid', 'tid'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      }),
    },
    system: { networkClient },
    ...(cache ? { cache } : {}),
  })
  return { app, networkCalls }
}
