/** The account a token response belongs to, as the acquisition layer derived it. */
export interface AccountToCache {
  /** `<oid>.<tid>` of the home tenant for Entra (from `client_info`), `sub` elsewhere. */
  homeAccountId: string
  /** `oid` in this tenant, else `sub`. */
  localAccountId: string
  /** `preferred_username`, `upn` or `email`. */
  username: string
  name?: string
  /** `MSSTS` (Entra, the default), `ADFS` or `Generic`. */
  authorityType?: string
  /** The raw base64url `client_info` Entra returned. */
  clientInfo?: string
}

/**
 * A token endpoint answer in the shape the cache stores it. Lifetimes are the relative seconds of
 * the response (`expires_in`, `ext_expires_in`, `refresh_in`); the cache turns them into epoch
 * seconds with the time the response was received.
 */
export interface TokenResponseToCache {
  clientId: string
  /** The issuer host, e.g. `login.microsoftonline.com`. */
  environment: string
  /** The tenant id the tokens were issued in. */
  realm: string
  /** The granted scopes (the response's `scope`, else the requested ones). */
  scopes: readonly string[]
  accessToken?: string
  /** Seconds. Default 3600. */
  expiresIn?: number
  /** Seconds; Entra's resilience window. Default `expiresIn`. */
  extExpiresIn?: number
  /** Seconds after which to refresh proactively. Default: half-life for tokens of 2 h or more. */
  refreshIn?: number
  /** Default `Bearer`. */
  tokenType?: string
  refreshToken?: string
  /** The FOCI family id (`foci` in Entra's response). */
  familyId?: string
  /** The raw ID token. */
  idToken?: string
  /** The signed-in account; absent for app-only tokens. */
  account?: AccountToCache
  /** For tokens without an account: the home account id to record (default `''`, as MSAL). */
  homeAccountId?: string
}
