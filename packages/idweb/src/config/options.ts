import type { CredentialDescription } from '../credentials/descriptions.ts'

/**
 * Session cookie settings. idweb validates `secrets` here; the session layer reads the rest.
 *
 * @example
 * ```ts
 * const session: SessionOptions = { secrets: [process.env.SESSION_SECRET!] }
 * ```
 */
export interface SessionOptions {
  /**
   * Keys that seal the session cookie, newest first (older ones still open cookies during
   * rotation). Each at least 32 characters; generate one with
   * `node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`.
   */
  secrets: string | readonly string[]
  /** Cookie name. The session layer's default applies when absent. */
  cookieName?: string
  /** Idle lifetime, extended on each request, in seconds. */
  rollingSeconds?: number
  /** Maximum lifetime from sign-in, in seconds. */
  absoluteSeconds?: number
  /** `Secure` cookie attribute. Absent: the session layer decides (secure except on http loopback). */
  secure?: boolean
  /**
   * Keeps sessions server-side, in the store this URL names (the token cache's URLs: `redis://…`,
   * `postgres://…`, `mysql://…`, `file:…`, `memory`); the cookie then holds only a sealed
   * reference. Default: the whole session is sealed into the cookie.
   */
  store?: string
}

/**
 * Bounds of every call to the identity provider (discovery, signing keys, token endpoint). What
 * breaks them is refused with a typed error (`IDW_PROVIDER_UNAVAILABLE`, `IDW_PROTOCOL_ERROR`)
 * rather than waited on or buffered.
 *
 * @example
 * ```ts
 * const provider: ProviderOptions = { timeoutMs: 5000 }
 * ```
 */
export interface ProviderOptions {
  /** The whole call, body included, must end within this many ms. Default 10,000 (100–120,000). */
  timeoutMs?: number
  /** Largest answer read, in bytes. Default 262,144 (16,384–16,777,216). */
  maxResponseBytes?: number
}

/**
 * Where the token cache keeps its entries beyond this process, and how.
 *
 * @example
 * ```ts
 * const tokenCache: TokenCacheSettings = { store: 'redis://127.0.0.1:6379' }
 * ```
 */
export interface TokenCacheSettings {
  /**
   * The shared store (L2), by URL: `memory` (the default: this process only), `file:./folder`,
   * `redis://host:6379`, `rediss://…`, `redis+sentinel://host:26379/master`,
   * `redis+cluster://host:7000,host:7001`, `postgres://user@host/db` or `mysql://user@host/db`.
   * `session`: each session's tokens live with its server-side session record (in
   * `session.store`) and end with it, as Identity.Web's session token cache; never in the cookie.
   */
  store?: string
  /**
   * Secrets (32+ characters each, newest first) the store entries are sealed with. Default: the
   * session secrets. Every instance sharing the store needs the same ones.
   */
  encryptionKeys?: string | readonly string[]
  /**
   * Bytes of tokens held in process memory (L1). Default 268,435,456 (256 MiB). 0 (with a store)
   * keeps none: every call reads the store, as Identity.Web's `DisableL1Cache`.
   */
  memoryBytes?: number
  /** How long a store call may take before it counts as a miss, in ms. Default 250. */
  storeTimeoutMs?: number
  /**
   * Bytes of on-behalf-of tokens held in process memory, apart from users' tokens: a web API
   * caches one partition per incoming token, so they are bounded on their own. Default
   * 16,777,216 (16 MiB); the least recently used go first.
   */
  onBehalfOfMemoryBytes?: number
  /**
   * Sliding lifetime of an on-behalf-of partition, in seconds: unused this long, it expires (in
   * memory and in the store). Default 3,600: an incoming token rarely outlives it.
   */
  onBehalfOfSlidingSeconds?: number
}

/**
 * A named downstream web API (Identity.Web's `DownstreamApis` entries).
 *
 * @example
 * ```ts
 * const todo: DownstreamApiOptions = { baseUrl: 'http://localhost:5000/', scopes: ['api://todo/.default'] }
 * ```
 */
export interface DownstreamApiOptions {
  /** Absolute base URL of the API. */
  baseUrl: string
  /** Scopes to request; a space-separated string is split. */
  scopes?: string | readonly string[]
  /** Path appended to `baseUrl` by default. */
  relativePath?: string
  /** HTTP method by default. Default `GET`. */
  httpMethod?: string
  /** Call with an app token (client credentials) instead of the user's. Default false. */
  requestAppToken?: boolean
  /** Abort the call after this many milliseconds. Default 30,000. */
  timeoutMs?: number
}

/**
 * idweb options in code (camelCase). `loadAppSettings` produces the same shape from an
 * Identity.Web `appsettings.json`. Pass either to `resolveConfig`, which validates it once at
 * startup and freezes it.
 *
 * @example
 * ```ts
 * const options: IdwebOptions = {
 *   tenantId: 'organizations',
 *   clientId: '2ec40e65-ba09-4853-bcde-bcb60029e596',
 *   clientSecret: process.env.CLIENT_SECRET,
 *   session: { secrets: [process.env.SESSION_SECRET!] },
 *   downstreamApis: { graph: { baseUrl: 'https://graph.microsoft.com/v1.0', scopes: ['User.Read'] } },
 * }
 * ```
 */
export interface IdwebOptions {
  /** Entra instance (cloud or dev IdP origin). Default `https://login.microsoftonline.com/`. */
  instance?: string
  /** Tenant: GUID, domain, `common`, `organizations` or `consumers`. Required unless `authority` is set. */
  tenantId?: string
  /** Tenant domain, e.g. `contoso.onmicrosoft.com`. Required for B2C. */
  domain?: string
  /**
   * Full authority URL instead of `instance` + `tenantId`: an Entra/B2C/External ID authority, or
   * the issuer of any OpenID Connect provider (validated exactly against its discovery document).
   */
  authority?: string
  /** Application (client) ID from the app registration. Required. */
  clientId?: string
  /** Shorthand for one `{ sourceType: 'ClientSecret' }` credential. */
  clientSecret?: string
  /** Credentials in order of preference; the first one is used. */
  clientCredentials?: readonly CredentialDescription[]
  /** Send the certificate chain (`x5c`) with certificate assertions. Default false. */
  sendX5c?: boolean
  /**
   * The app signs users in but never redeems codes with a credential (a public client). Default
   * false: a web app without a credential is refused at startup.
   */
  allowPublicClient?: boolean
  /** Redirect path of the sign-in callback. Default `/signin-oidc`. */
  callbackPath?: string
  /** Path the provider returns to after sign-out. Default `/signout-callback-oidc`. */
  signedOutCallbackPath?: string
  /**
   * Path the provider's sign-out page loads in an iframe (front-channel logout, Identity.Web's
   * `RemoteSignOutPath`). Default `/signout-oidc`.
   */
  remoteSignOutPath?: string
  /** Path the provider posts back-channel logout tokens to. Default `/backchannel-logout`. */
  backchannelLogoutPath?: string
  /** Path that starts sign-in. Default `/signin`. */
  signInPath?: string
  /** Path that signs out. Default `/signout`. */
  signOutPath?: string
  /** Absolute URL or same-origin path to land on after sign-out. Default: the site root. */
  postLogoutRedirectUri?: string
  /** How the provider returns the authorization response. Default `form_post`. */
  responseMode?: 'form_post' | 'query'
  /** Scopes requested (and consented) at sign-in, besides `openid profile offline_access`. */
  initialScopes?: string | readonly string[]
  /** Multi-tenant apps: tenant GUIDs allowed to sign in. Absent: any tenant. */
  allowedTenants?: readonly string[]
  /** Leeway for `exp`/`nbf`/`iat`, in seconds. Default 300, as Identity.Web's clock skew (0–600). */
  clockToleranceSeconds?: number
  /** Refresh an access token this many seconds before it expires. Default 300. */
  tokenRefreshWindowSeconds?: number
  /** Only `S256` is accepted; anything else is refused at startup. */
  pkceMethod?: 'S256'
  /** Accepted ID token signature algorithms. Default: what discovery advertises, asymmetric only. */
  idTokenSigningAlgs?: readonly string[]
  /** Session cookie settings. Required for web apps that sign users in. */
  session?: SessionOptions
  /** Bounds of calls to the identity provider. */
  provider?: ProviderOptions
  /** The token cache's store and its encryption. */
  tokenCache?: TokenCacheSettings
  /** Named downstream APIs. */
  downstreamApis?: Readonly<Record<string, DownstreamApiOptions>>
  /**
   * DEVELOPMENT ONLY: lets idweb talk to an `http:` authority (e.g. the dev IdP). Logged as a
   * warning at every start; refused when `NODE_ENV` is `production`.
   */
  allowInsecureHttp?: boolean
  /** Azure AD B2C sign-up/sign-in user flow, e.g. `B2C_1_susi`. Setting it makes the authority B2C. */
  signUpSignInPolicyId?: string
  /** Azure AD B2C password reset user flow. */
  resetPasswordPolicyId?: string
  /** Azure AD B2C profile editing user flow. */
  editProfilePolicyId?: string
}
