import * as oauth from 'oauth4webapi'

/** How the protocol layer reaches the provider. */
export interface HttpOptions {
  /** Abort every provider request after this many milliseconds. */
  timeoutMs: number
  /** Replaces `fetch`: the app's bounded provider fetch, a proxy, or a test's provider fault. */
  fetch?: ((url: string, init: RequestInit) => Promise<Response>) | undefined
  /** Allows `http:` provider endpoints. Development only; configuration makes it loud. */
  allowInsecureRequests?: boolean | undefined
}

/**
 * How the client authenticates at the token endpoint: `run` calls one token request with the
 * oauth4webapi client authentication to use, and may call it again with another one (a reloaded
 * or the next configured credential) when the provider refuses the first.
 */
export interface ClientAuthenticator {
  run<T>(call: (clientAuth: oauth.ClientAuth) => Promise<T>): Promise<T>
}

/** One fixed client authentication, e.g. `oauth.None()` for a public client. */
export function fixedClientAuth(clientAuth: oauth.ClientAuth): ClientAuthenticator {
  return { run: (call) => call(clientAuth) }
}

/**
 * Everything one confidential or public client needs to talk to one authorization server. Built
 * once per app from the resolved configuration and the discovery document.
 */
export interface ProtocolContext {
  as: oauth.AuthorizationServer
  client: oauth.Client
  /** The client's credentials, with their fallback and reload on `invalid_client`. */
  authenticator: ClientAuthenticator
  http: HttpOptions
  /** Send Entra's `client_info=1` so the token response names the home account (`uid.utid`). */
  requestClientInfo: boolean
  /**
   * Entra wants every user-token request to name its scopes, OpenID ones included. Other
   * providers get only the scopes asked for (RFC 6749: no scope on refresh means as granted).
   */
  entraScopes: boolean
  /**
   * For Entra multi-tenant authorities, whose discovery issuer is the `{tenantid}` template: tenants
   * whose tokens are accepted (`undefined`: any).
   */
  allowedTenants?: readonly string[] | undefined
  /**
   * The provider's signing keys, shared by every ID token check of this context (the issuer filled
   * per tenant included): fetched once, refreshed after 5 minutes, and refetched for an unknown
   * `kid` at most once a minute (oauth4webapi's policy); a `jku`, `x5u` or `jwk` header is never
   * followed.
   */
  jwksCache: oauth.JWKSCacheInput
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. */
  clockToleranceSeconds: number
}

/** The oauth4webapi request options for one provider call. */
export function requestOptions(
  http: HttpOptions,
): oauth.HttpRequestOptions<'POST', URLSearchParams> & oauth.HttpRequestOptions<'GET'> {
  const options: oauth.HttpRequestOptions<'POST', URLSearchParams> = {
    signal: () => AbortSignal.timeout(http.timeoutMs),
  }
  if (http.fetch) {
    const f = http.fetch
    options[oauth.customFetch] = (url, init) => f(url, init as RequestInit)
  }
  if (http.allowInsecureRequests) options[oauth.allowInsecureRequests] = true
  return options as oauth.HttpRequestOptions<'POST', URLSearchParams> &
    oauth.HttpRequestOptions<'GET'>
}

/** The `{tenantid}` placeholder Entra's multi-tenant discovery documents publish in `issuer`. */
export const TENANT_TEMPLATE = '{tenantid}'

/** Whether the discovered issuer is Entra's multi-tenant template. */
export function isIssuerTemplate(as: oauth.AuthorizationServer): boolean {
  return as.issuer.includes(TENANT_TEMPLATE)
}

/** What {@link createProtocolContext} builds a context from. */
export interface ProtocolContextInput {
  as: oauth.AuthorizationServer
  clientId: string
  authenticator: ClientAuthenticator
  http: HttpOptions
  clockToleranceSeconds: number
  isEntra: boolean
  allowedTenants?: readonly string[] | undefined
  idTokenSigningAlgs?: readonly string[] | undefined
}

/** Builds the context of one client at one authorization server. */
export function createProtocolContext(input: ProtocolContextInput): ProtocolContext {
  const client: oauth.Client = {
    client_id: input.clientId,
    [oauth.clockTolerance]: input.clockToleranceSeconds,
  }
  let as = input.as
  if (input.idTokenSigningAlgs?.length === 1) {
    client.id_token_signed_response_alg = input.idTokenSigningAlgs[0]
  } else if (input.idTokenSigningAlgs !== undefined) {
    // oauth4webapi takes one client algorithm; a list is enforced as the algorithms the provider
    // supports, replacing what discovery advertises, which would otherwise be accepted instead.
    as = { ...as, id_token_signing_alg_values_supported: [...input.idTokenSigningAlgs] }
  }
  return {
    as,
    client,
    authenticator: input.authenticator,
    http: input.http,
    requestClientInfo: input.isEntra,
    entraScopes: input.isEntra,
    allowedTenants: input.allowedTenants?.map((t) => t.toLowerCase()),
    jwksCache: {},
    clockToleranceSeconds: input.clockToleranceSeconds,
  }
}
