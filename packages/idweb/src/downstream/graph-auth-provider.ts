/**
 * The options the Microsoft Graph SDK passes to an authentication provider: the scopes of one
 * request, when it names any. Structurally the SDK's `AuthenticationProviderOptions`.
 */
export interface GraphAuthenticationProviderOptions {
  /** The scopes the request asks for; absent: the provider's default scopes. */
  scopes?: string[]
}

/**
 * What the Microsoft Graph SDK (`@microsoft/microsoft-graph-client` v3) calls to authenticate a
 * request. Structurally its `AuthenticationProvider`, declared here so the core does not depend on
 * the SDK.
 */
export interface GraphAuthenticationProvider {
  /** Returns an access token for the request's scopes, acquired silently for the signed-in user. */
  getAccessToken(options?: GraphAuthenticationProviderOptions): Promise<string>
}

/**
 * An authentication provider for the Microsoft Graph SDK backed by idweb's token acquisition. Each
 * request asks for its own scopes (the SDK's per-request `scopes`) or, by default, `defaultScopes`
 * (typically the `Graph` downstream API's configured `Scopes`).
 *
 * The SDK's own authentication middleware only attaches the token to `https://` Graph hosts; to
 * talk to a local Graph emulation, use `createGraphClient` from `idweb/graph`, which attaches it to the
 * configured base URL's origin instead.
 *
 * @example
 * ```ts
 * import { Client } from '@microsoft/microsoft-graph-client'
 *
 * const getToken = tokenGetter(acquirer, user)
 * const client = Client.initWithMiddleware({ authProvider: graphAuthProvider(getToken, ['User.Read']) })
 * const me = await client.api('/me').get()
 * ```
 */
export function graphAuthProvider(
  getToken: (scopes: readonly string[]) => Promise<string | { accessToken: string }>,
  defaultScopes: readonly string[] = ['https://graph.microsoft.com/.default'],
): GraphAuthenticationProvider {
  const fallback = Object.freeze([...defaultScopes])
  return {
    async getAccessToken(options) {
      const scopes = options?.scopes && options.scopes.length > 0 ? options.scopes : fallback
      const token = await getToken(scopes)
      return typeof token === 'string' ? token : token.accessToken
    },
  }
}
