import type { Authority } from '../authority/authority.ts'
import type { CredentialSource } from '../credentials/credential-chain.ts'

/** A downstream API after validation. */
export interface ResolvedDownstreamApi {
  /** The API's key in `downstreamApis`, e.g. `graph`. */
  readonly name: string
  /** Absolute URL, ending in `/`. */
  readonly baseUrl: string
  /** Scopes requested for it; never empty. */
  readonly scopes: readonly string[]
  /** Path appended to `baseUrl` by default; `''` when none was set. */
  readonly relativePath: string
  /** Upper-case. */
  readonly httpMethod: string
  /** Whether calls use an app token (client credentials) rather than the user's. */
  readonly requestAppToken: boolean
  /** Calls abort after this many milliseconds (default 30,000). */
  readonly timeoutMs: number
}

/** Session settings after validation; `secrets` always an array, newest first. */
export interface ResolvedSessionOptions {
  readonly secrets: readonly string[]
  readonly cookieName: string | undefined
  readonly rollingSeconds: number | undefined
  readonly absoluteSeconds: number | undefined
  readonly secure: boolean | undefined
  /** URL of the server-side session store; `undefined`: sessions live in the cookie. */
  readonly store: string | undefined
}

/** Bounds of provider calls after validation. */
export interface ResolvedProviderOptions {
  readonly timeoutMs: number
  readonly maxResponseBytes: number
}

/** Token cache settings after validation. */
export interface ResolvedTokenCacheSettings {
  /** The store URL, `memory` by default. */
  readonly store: string
  /** Secrets sealing store entries, newest first; `undefined`: the session secrets. */
  readonly encryptionKeys: readonly string[] | undefined
  readonly memoryBytes: number
  readonly storeTimeoutMs: number
  readonly onBehalfOfMemoryBytes: number
  readonly onBehalfOfSlidingSeconds: number
}

/** Azure AD B2C user flows. */
export interface ResolvedB2cPolicies {
  readonly signUpSignIn: string
  readonly resetPassword: string | undefined
  readonly editProfile: string | undefined
}

/**
 * The validated, deep-frozen configuration `resolveConfig` returns. Every later layer reads this,
 * never the raw options.
 *
 * @example
 * ```ts
 * const config = resolveConfig(loadAppSettings('appsettings.json'), { logger })
 * config.authority.discoveryUrl
 * config.callbackPath // '/signin-oidc'
 * ```
 */
export interface ResolvedConfig {
  /** The provider's issuer, discovery URL and kind (Entra, B2C or any OpenID provider). */
  readonly authority: Authority
  /** The Application (client) ID. */
  readonly clientId: string
  /** In order of preference; empty only when `allowPublicClient` is set. */
  readonly credentials: readonly CredentialSource[]
  /** Path of the sign-in callback (the redirect URI's path); default `/signin-oidc`. */
  readonly callbackPath: string
  /** Path the provider returns to after sign-out; default `/signout-callback-oidc`. */
  readonly signedOutCallbackPath: string
  /** Front-channel logout path (Identity.Web's `RemoteSignOutPath`). Default `/signout-oidc`. */
  readonly remoteSignOutPath: string
  /** Back-channel logout path. Default `/backchannel-logout`. */
  readonly backchannelLogoutPath: string
  /** Path that starts sign-in; default `/signin`. */
  readonly signInPath: string
  /** Path that signs out; default `/signout`. */
  readonly signOutPath: string
  /** Where users land after sign-out; `undefined` means the site root. */
  readonly postLogoutRedirectUri: string | undefined
  /** How the provider returns the authorization response; default `form_post`. */
  readonly responseMode: 'form_post' | 'query'
  /** Scopes asked for at sign-in besides `openid profile offline_access`. */
  readonly initialScopes: readonly string[]
  /** Lower-case tenant GUIDs; `undefined` = any tenant. */
  readonly allowedTenants: readonly string[] | undefined
  /** Leeway for `exp`/`nbf`/`iat`, in seconds; default 300. */
  readonly clockToleranceSeconds: number
  /** Access tokens are refreshed this many seconds before they expire; default 300. */
  readonly tokenRefreshWindowSeconds: number
  /** Always `S256`. */
  readonly pkceMethod: 'S256'
  /** `undefined` = what discovery advertises (asymmetric algorithms only). */
  readonly idTokenSigningAlgs: readonly string[] | undefined
  /** `undefined` when no session was configured (e.g. a protected API only). */
  readonly session: ResolvedSessionOptions | undefined
  /** Timeout and size bounds of every call to the provider. */
  readonly provider: ResolvedProviderOptions
  /** The token cache's store, keys and bounds. */
  readonly tokenCache: ResolvedTokenCacheSettings
  /** Named downstream APIs, by key. */
  readonly downstreamApis: Readonly<Record<string, ResolvedDownstreamApi>>
  /** Whether an `http:` authority is allowed (development only; warned about at every start). */
  readonly allowInsecureHttp: boolean
  /** The Azure AD B2C user flows; `undefined` unless the authority is B2C. */
  readonly b2c: ResolvedB2cPolicies | undefined
}
