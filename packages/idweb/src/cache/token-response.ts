import {
  type AccessTokenEntity,
  type AccountEntity,
  type AppMetadataEntity,
  type CacheEntity,
  credentialKey,
  type IdTokenEntity,
  type RefreshTokenEntity,
} from './entities.ts'
import { environmentsOf, hasPythonAppTokens } from './entity-keys.ts'
import { writeEnvironment } from './environments.ts'

/** The account a token response belongs to, as the acquisition layer derived it. */
export interface AccountToCache {
  /** `<oid>.<tid>` of the home tenant for Entra (from `client_info`), `sub` elsewhere. */
  homeAccountId: string
  /** `oid` in this tenant, else `sub`. */
  localAccountId: string
  /** `preferred_username`, `upn` or `email`. */
  username: string
  /** The user's display name (the `name` claim). */
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
  /** The client the tokens were issued to. */
  clientId: string
  /** The issuer host, e.g. `login.microsoftonline.com`. */
  environment: string
  /** The tenant id the tokens were issued in. */
  realm: string
  /** The granted scopes (the response's `scope`, else the requested ones). */
  scopes: readonly string[]
  /** The access token, when the response has one. */
  accessToken?: string
  /** Seconds. Default 3600. */
  expiresIn?: number
  /** Seconds; Entra's resilience window. Default `expiresIn`. */
  extExpiresIn?: number
  /** Seconds after which to refresh proactively. Default: half-life for tokens of 2 h or more. */
  refreshIn?: number
  /** Default `Bearer`. */
  tokenType?: string
  /** The refresh token, when the response has one. */
  refreshToken?: string
  /** The FOCI family id (`foci` in Entra's response). */
  familyId?: string
  /** The raw ID token. */
  idToken?: string
  /** The signed-in account; absent for app-only tokens. */
  account?: AccountToCache
  /**
   * For tokens without an account: the home account id to record. Default `''`, as msal-node
   * writes it; `null` is MSAL Python's form for app-only tokens.
   */
  homeAccountId?: string | null
}

/** The entities a token response becomes, times from `nowSeconds`. */
export function entitiesOf(r: TokenResponseToCache, nowSeconds: number) {
  const now = String(nowSeconds)
  const home: string | null =
    r.account?.homeAccountId ?? (r.homeAccountId === undefined ? '' : r.homeAccountId)
  const base = { home_account_id: home, environment: r.environment, client_id: r.clientId }
  let account: AccountEntity | undefined
  if (r.account !== undefined) {
    account = {
      home_account_id: r.account.homeAccountId,
      environment: r.environment,
      realm: r.realm,
      local_account_id: r.account.localAccountId,
      username: r.account.username,
      authority_type: r.account.authorityType ?? 'MSSTS',
      last_modification_time: now,
    }
    if (r.account.name !== undefined) account.name = r.account.name
    if (r.account.clientInfo !== undefined) account.client_info = r.account.clientInfo
  }
  const idToken: IdTokenEntity | undefined =
    r.idToken === undefined
      ? undefined
      : { ...base, credential_type: 'IdToken', secret: r.idToken, realm: r.realm, cached_at: now }
  let refreshToken: RefreshTokenEntity | undefined
  if (r.refreshToken !== undefined) {
    refreshToken = {
      ...base,
      credential_type: 'RefreshToken',
      secret: r.refreshToken,
      cached_at: now,
    }
    if (r.familyId) refreshToken.family_id = r.familyId
  }
  const appMetadata: AppMetadataEntity = { client_id: r.clientId, environment: r.environment }
  if (r.familyId) appMetadata.family_id = r.familyId
  let accessToken: AccessTokenEntity | undefined
  if (r.accessToken !== undefined) {
    const expiresIn = Math.max(0, Math.floor(r.expiresIn ?? 3600))
    accessToken = {
      ...base,
      credential_type: 'AccessToken',
      secret: r.accessToken,
      realm: r.realm,
      target: [...new Set(r.scopes.flatMap((s) => s.split(/\s+/)).filter(Boolean))].join(' '),
      cached_at: now,
      expires_on: String(nowSeconds + expiresIn),
      extended_expires_on: String(nowSeconds + Math.floor(r.extExpiresIn ?? expiresIn)),
      token_type: r.tokenType ?? 'Bearer',
    }
    // MSAL .NET's rule: tokens living two hours or more are refreshed at half-life.
    const refreshIn = r.refreshIn ?? (expiresIn >= 7200 ? Math.floor(expiresIn / 2) : undefined)
    if (refreshIn !== undefined) accessToken.refresh_on = String(nowSeconds + Math.floor(refreshIn))
  }
  return { account, idToken, refreshToken, appMetadata, accessToken }
}

/**
 * The entities a token response becomes in a partition holding `held` (by entity key), in the
 * forms of the MSAL client that wrote the partition: the environment it records (see
 * {@link writeEnvironment}); MSAL Python's `null` account for app-only tokens where it wrote
 * some; and a refresh token keeps the `target` MSAL Python gave the one it replaces, since MSAL
 * Python keys refresh tokens by it and keeps it when it redeems one.
 */
export function entitiesToSave(
  r: TokenResponseToCache,
  held: ReadonlyMap<string, CacheEntity>,
  nowSeconds: number,
) {
  const appOnly = r.account === undefined && r.homeAccountId === undefined
  const environment = writeEnvironment(r.environment, environmentsOf(held.values()))
  const e = entitiesOf(
    {
      ...r,
      environment,
      ...(appOnly && hasPythonAppTokens(held.values()) ? { homeAccountId: null } : {}),
    },
    nowSeconds,
  )
  if (e.refreshToken === undefined) return e
  const target = (held.get(credentialKey(e.refreshToken)) as { target?: unknown } | undefined)
    ?.target
  return target === undefined ? e : { ...e, refreshToken: { ...e.refreshToken, target } }
}
