import type { Authority } from '../authority/authority.ts'
import type { ResolvedCredential } from '../credentials/descriptions.ts'

/** A downstream API after validation. */
export interface ResolvedDownstreamApi {
  readonly name: string
  /** Absolute URL, ending in `/`. */
  readonly baseUrl: string
  readonly scopes: readonly string[]
  readonly relativePath: string
  /** Upper-case. */
  readonly httpMethod: string
  readonly requestAppToken: boolean
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
  readonly authority: Authority
  readonly clientId: string
  /** In order of preference; empty only when `allowPublicClient` is set. */
  readonly credentials: readonly ResolvedCredential[]
  readonly callbackPath: string
  readonly signedOutCallbackPath: string
  readonly signInPath: string
  readonly signOutPath: string
  readonly postLogoutRedirectUri: string | undefined
  readonly responseMode: 'form_post' | 'query'
  readonly initialScopes: readonly string[]
  /** Lower-case tenant GUIDs; `undefined` = any tenant. */
  readonly allowedTenants: readonly string[] | undefined
  readonly clockToleranceSeconds: number
  readonly tokenRefreshWindowSeconds: number
  readonly pkceMethod: 'S256'
  /** `undefined` = what discovery advertises (asymmetric algorithms only). */
  readonly idTokenSigningAlgs: readonly string[] | undefined
  /** `undefined` when no session was configured (e.g. a protected API only). */
  readonly session: ResolvedSessionOptions | undefined
  readonly provider: ResolvedProviderOptions
  readonly tokenCache: ResolvedTokenCacheSettings
  readonly downstreamApis: Readonly<Record<string, ResolvedDownstreamApi>>
  readonly allowInsecureHttp: boolean
  readonly b2c: ResolvedB2cPolicies | undefined
}
