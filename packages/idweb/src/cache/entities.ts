/**
 * The token cache entities in MSAL's unified cache schema, field for field, so a partition that
 * idweb serializes is read by MSAL (Node, Python, .NET, Java) and the other way round. Times are
 * epoch seconds written as decimal strings, as every MSAL writes them.
 */

/** MSAL's `credential_type` values that idweb reads and writes. */
export const CredentialType = Object.freeze({
  /** An access token. */
  AccessToken: 'AccessToken',
  /** A refresh token. */
  RefreshToken: 'RefreshToken',
  /** An ID token. */
  IdToken: 'IdToken',
} as const)

/** An account (`Account` section). */
export interface AccountEntity {
  /** `<oid>.<tid>` of the user's home tenant for Entra; `sub` (or `sub.iss`-like) elsewhere. */
  home_account_id: string
  /** The host that issued the tokens, e.g. `login.microsoftonline.com`. */
  environment: string
  /** The tenant id. */
  realm: string
  /** The object id in this tenant (`oid`, else `sub`). */
  local_account_id: string
  /** `preferred_username`, `upn` or `email`. */
  username: string
  /** `MSSTS` for Entra, `ADFS`, `Generic` for other OpenID Connect providers. */
  authority_type: string
  /** The user's display name (the `name` claim). */
  name?: string
  /** The base64url `client_info` Entra returned (`{"uid","utid"}`). */
  client_info?: string
  /** When the account was last written, epoch seconds (MSAL .NET and Python write it). */
  last_modification_time?: string
  [extra: string]: unknown
}

/** Fields every credential has. */
interface CredentialFields {
  /**
   * The account's home account id. For app-only tokens msal-node and idweb write `''`, MSAL
   * Python `null`; each looks for its own form.
   */
  home_account_id: string | null
  /** The host that issued the token, e.g. `login.microsoftonline.com`. */
  environment: string
  /** The client the token was issued to. */
  client_id: string
  /** The token itself. */
  secret: string
  /**
   * When idweb (or an idweb peer) stored it, epoch seconds. MSAL writes it on access tokens
   * only; idweb writes it on every credential so that merging two writers keeps the newer one.
   */
  cached_at?: string
  [extra: string]: unknown
}

/** An ID token (`IdToken` section). */
export interface IdTokenEntity extends CredentialFields {
  /** Always `IdToken`. */
  credential_type: 'IdToken'
  /** The tenant id the token was issued in. */
  realm: string
}

/** An access token (`AccessToken` section). */
export interface AccessTokenEntity extends CredentialFields {
  /** Always `AccessToken`. */
  credential_type: 'AccessToken'
  /** The tenant id the token was issued in. */
  realm: string
  /** Granted scopes, space-separated, as the provider spelled them. */
  target: string
  cached_at: string
  /** When the token expires, epoch seconds. */
  expires_on: string
  /** Until when Entra's resilience extension keeps the token usable during an outage, epoch seconds. */
  extended_expires_on?: string
  /** When to refresh proactively (Entra's `refresh_in`), epoch seconds. */
  refresh_on?: string
  /** `Bearer` (absent means Bearer). */
  token_type?: string
}

/** A refresh token (`RefreshToken` section). */
export interface RefreshTokenEntity extends CredentialFields {
  /** Always `RefreshToken`. */
  credential_type: 'RefreshToken'
  /** Set when the client belongs to a family of first-party clients (FOCI). */
  family_id?: string
}

/** App metadata (`AppMetadata` section). */
export interface AppMetadataEntity {
  /** The client the metadata is about. */
  client_id: string
  /** The host of the authority, e.g. `login.microsoftonline.com`. */
  environment: string
  /** The family (FOCI) the client belongs to, when it does. */
  family_id?: string
  [extra: string]: unknown
}

/** A whole serialized cache (or partition) in MSAL's unified schema. */
export interface MsalCacheJson {
  /** Accounts, by MSAL account key. */
  Account: Record<string, AccountEntity>
  /** ID tokens, by MSAL credential key. */
  IdToken: Record<string, IdTokenEntity>
  /** Access tokens, by MSAL credential key. */
  AccessToken: Record<string, AccessTokenEntity>
  /** Refresh tokens, by MSAL credential key. */
  RefreshToken: Record<string, RefreshTokenEntity>
  /** App metadata, by MSAL app metadata key. */
  AppMetadata: Record<string, AppMetadataEntity>
}

/** `<home_account_id>-<environment>-<realm>`, lowercased: MSAL's account key. */
export function accountKey(a: Pick<AccountEntity, 'home_account_id' | 'environment' | 'realm'>) {
  return `${a.home_account_id}-${a.environment}-${a.realm}`.toLowerCase()
}

/**
 * `<home_account_id>-<environment>-<credential_type>-<client_id>-<realm>-<target>`, lowercased:
 * MSAL's credential key (refresh tokens of a family use the family id in place of the client id;
 * refresh tokens have an empty realm and target, ID tokens an empty target).
 */
export function credentialKey(c: IdTokenEntity | AccessTokenEntity | RefreshTokenEntity): string {
  const client = c.credential_type === 'RefreshToken' && c.family_id ? c.family_id : c.client_id
  const realm = c.credential_type === 'RefreshToken' ? '' : c.realm
  const target = c.credential_type === 'AccessToken' ? c.target : ''
  return `${c.home_account_id ?? ''}-${c.environment}-${c.credential_type}-${client}-${realm}-${target}`.toLowerCase()
}

/** `appmetadata-<environment>-<client_id>`, lowercased: MSAL's app metadata key. */
export function appMetadataKey(a: Pick<AppMetadataEntity, 'environment' | 'client_id'>): string {
  return `appmetadata-${a.environment}-${a.client_id}`.toLowerCase()
}

type Validator<T> = (value: unknown) => value is T

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function strings(value: Record<string, unknown>, required: readonly string[]): boolean {
  for (const name of required) if (typeof value[name] !== 'string') return false
  return true
}

function optionalStrings(value: Record<string, unknown>, optional: readonly string[]): boolean {
  for (const name of optional) {
    const v = value[name]
    if (v !== undefined && typeof v !== 'string') return false
  }
  return true
}

const isEpoch = (text: unknown): boolean => typeof text === 'string' && /^\d{1,12}$/.test(text)

/** Whether `value` is a usable {@link AccountEntity}. */
export const isAccount: Validator<AccountEntity> = (value): value is AccountEntity =>
  isRecord(value) &&
  value.credential_type === undefined &&
  strings(value, [
    'home_account_id',
    'environment',
    'realm',
    'local_account_id',
    'username',
    'authority_type',
  ]) &&
  optionalStrings(value, ['name', 'client_info'])

const CREDENTIAL = ['environment', 'client_id', 'secret'] as const

/** A credential's account: a string, or MSAL Python's `null` for app-only tokens. */
const hasHome = (value: Record<string, unknown>): boolean =>
  typeof value.home_account_id === 'string' || value.home_account_id === null

/** Whether `value` is a usable {@link IdTokenEntity}. */
export const isIdToken: Validator<IdTokenEntity> = (value): value is IdTokenEntity =>
  isRecord(value) &&
  value.credential_type === CredentialType.IdToken &&
  typeof value.home_account_id === 'string' &&
  strings(value, [...CREDENTIAL, 'realm'])

/** Whether `value` is a usable Bearer {@link AccessTokenEntity}. */
export const isAccessToken: Validator<AccessTokenEntity> = (value): value is AccessTokenEntity =>
  isRecord(value) &&
  value.credential_type === CredentialType.AccessToken &&
  hasHome(value) &&
  strings(value, [...CREDENTIAL, 'realm', 'target']) &&
  isEpoch(value.cached_at) &&
  isEpoch(value.expires_on) &&
  (value.extended_expires_on === undefined || isEpoch(value.extended_expires_on)) &&
  (value.refresh_on === undefined || isEpoch(value.refresh_on)) &&
  (value.token_type === undefined ||
    (typeof value.token_type === 'string' && value.token_type.toLowerCase() === 'bearer'))

/** Whether `value` is a usable {@link RefreshTokenEntity}. */
export const isRefreshToken: Validator<RefreshTokenEntity> = (value): value is RefreshTokenEntity =>
  isRecord(value) &&
  value.credential_type === CredentialType.RefreshToken &&
  hasHome(value) &&
  strings(value, CREDENTIAL) &&
  optionalStrings(value, ['family_id'])

/** Whether `value` is a usable {@link AppMetadataEntity}. */
export const isAppMetadata: Validator<AppMetadataEntity> = (value): value is AppMetadataEntity =>
  isRecord(value) &&
  value.credential_type === undefined &&
  !('local_account_id' in value) &&
  strings(value, ['client_id', 'environment']) &&
  optionalStrings(value, ['family_id'])

/** Epoch seconds of an entity's `cached_at`, 0 when absent or unreadable. */
export function cachedAt(entity: { cached_at?: unknown }): number {
  const text = entity.cached_at
  return typeof text === 'string' && isEpoch(text) ? Number(text) : 0
}

/** Any entity of the unified schema. */
export type CacheEntity =
  | AccountEntity
  | IdTokenEntity
  | AccessTokenEntity
  | RefreshTokenEntity
  | AppMetadataEntity

/** The section an entity belongs to. */
export type EntityKind = 'Account' | 'IdToken' | 'AccessToken' | 'RefreshToken' | 'AppMetadata'

/** The section of an entity that passed validation. */
export function kindOf(entity: CacheEntity): EntityKind {
  const type = entity.credential_type
  if (type === 'AccessToken' || type === 'RefreshToken' || type === 'IdToken') return type
  return 'local_account_id' in entity ? 'Account' : 'AppMetadata'
}
