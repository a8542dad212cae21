import { IdwebError } from '../errors.ts'
import {
  type AccessTokenEntity,
  type AccountEntity,
  type AppMetadataEntity,
  type IdTokenEntity,
  isAccessToken,
  isAccount,
  isAppMetadata,
  isIdToken,
  isRefreshToken,
  type MsalCacheJson,
  type RefreshTokenEntity,
} from './entities.ts'

/** The largest serialized partition idweb agrees to parse (bounded time and memory). */
export const MAX_SERIALIZED_CHARS = 8 * 1024 * 1024

/** The entities of a parsed MSAL cache, each section a list (keys are recomputed by the reader). */
export interface ParsedCache {
  accounts: AccountEntity[]
  idTokens: IdTokenEntity[]
  accessTokens: AccessTokenEntity[]
  refreshTokens: RefreshTokenEntity[]
  appMetadata: AppMetadataEntity[]
}

function corrupt(message: string, cause?: unknown): IdwebError {
  return new IdwebError('IDW_CACHE_CORRUPT', `Token cache JSON: ${message}`, { cause })
}

function section<T>(
  root: Record<string, unknown>,
  name: keyof MsalCacheJson,
  accept: (value: unknown) => value is T,
): T[] {
  const value = root[name]
  if (value === undefined || value === null) return []
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw corrupt(`section ${name} is not an object`)
  }
  const out: T[] = []
  for (const entity of Object.values(value)) {
    // Entries MSAL may write that idweb does not use (PoP tokens, newer fields) are skipped,
    // not fatal: a shared cache stays readable.
    if (accept(entity)) out.push({ ...entity })
  }
  return out
}

/**
 * Parses a serialized cache in MSAL's unified schema. Unknown sections and entities that do not
 * fit the schema are skipped; anything that is not such a JSON object throws
 * `IDW_CACHE_CORRUPT` (and nothing else).
 */
export function parseMsalJson(json: string): ParsedCache {
  if (typeof json !== 'string') throw corrupt('not a string')
  if (json.length > MAX_SERIALIZED_CHARS) throw corrupt('larger than the limit')
  let root: unknown
  try {
    root = JSON.parse(json)
  } catch (err) {
    throw corrupt('not valid JSON', err)
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw corrupt('not an object')
  }
  const r = root as Record<string, unknown>
  return {
    accounts: section(r, 'Account', isAccount),
    idTokens: section(r, 'IdToken', isIdToken),
    accessTokens: section(r, 'AccessToken', isAccessToken),
    refreshTokens: section(r, 'RefreshToken', isRefreshToken),
    appMetadata: section(r, 'AppMetadata', isAppMetadata),
  }
}

/** Entities keyed as MSAL keys them, ready for `JSON.stringify`. */
export function toMsalJson(entries: {
  accounts: Iterable<[string, AccountEntity]>
  idTokens: Iterable<[string, IdTokenEntity]>
  accessTokens: Iterable<[string, AccessTokenEntity]>
  refreshTokens: Iterable<[string, RefreshTokenEntity]>
  appMetadata: Iterable<[string, AppMetadataEntity]>
}): MsalCacheJson {
  return {
    Account: Object.fromEntries(entries.accounts),
    IdToken: Object.fromEntries(entries.idTokens),
    AccessToken: Object.fromEntries(entries.accessTokens),
    RefreshToken: Object.fromEntries(entries.refreshTokens),
    AppMetadata: Object.fromEntries(entries.appMetadata),
  }
}
