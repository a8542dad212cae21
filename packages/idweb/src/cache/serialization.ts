import { IdwebError } from '../errors.ts'
import {
  type AccessTokenEntity,
  type AccountEntity,
  type AppMetadataEntity,
  type CacheEntity,
  type EntityKind,
  type IdTokenEntity,
  isAccessToken,
  isAccount,
  isAppMetadata,
  isIdToken,
  isRefreshToken,
  kindOf,
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

/** The key each parsed entity was found under, in the JSON it came from. */
const sourceKeys = new WeakMap<object, string>()

/** The JSON key `entity` (as {@link parseMsalJson} returned it) was read under, if any. */
export function sourceKeyOf(entity: object): string | undefined {
  return sourceKeys.get(entity)
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
  for (const [key, entity] of Object.entries(value)) {
    // Entries MSAL may write that idweb does not use (PoP tokens, newer fields) are skipped,
    // not fatal: a shared cache stays readable.
    if (!accept(entity)) continue
    const copy = { ...entity }
    sourceKeys.set(copy as object, key)
    out.push(copy)
  }
  return out
}

/**
 * `json` as an object, when it is a JSON object no longer than {@link MAX_SERIALIZED_CHARS};
 * anything else throws what `fail` makes of the reason (default `IDW_CACHE_CORRUPT`).
 */
export function parseJsonObject(
  json: string,
  fail: (why: string, cause?: unknown) => Error = corrupt,
): Record<string, unknown> {
  if (typeof json !== 'string') throw fail('not a string')
  if (json.length > MAX_SERIALIZED_CHARS) throw fail('larger than the limit')
  let root: unknown
  try {
    root = JSON.parse(json)
  } catch (err) {
    throw fail('not valid JSON', err)
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw fail('not an object')
  }
  return root as Record<string, unknown>
}

/**
 * Parses a serialized cache in MSAL's unified schema. Unknown sections and entities that do not
 * fit the schema are skipped; anything that is not such a JSON object throws
 * `IDW_CACHE_CORRUPT` (and nothing else).
 */
export function parseMsalJson(json: string): ParsedCache {
  const r = parseJsonObject(json)
  return {
    accounts: section(r, 'Account', isAccount),
    idTokens: section(r, 'IdToken', isIdToken),
    accessTokens: section(r, 'AccessToken', isAccessToken),
    refreshTokens: section(r, 'RefreshToken', isRefreshToken),
    appMetadata: section(r, 'AppMetadata', isAppMetadata),
  }
}

/** Entities keyed as MSAL keys them, sorted into MSAL's sections, ready for `JSON.stringify`. */
export function toMsalJson(entities: Iterable<[string, CacheEntity]>): MsalCacheJson {
  const json: Record<EntityKind, Record<string, CacheEntity>> = {
    Account: {},
    IdToken: {},
    AccessToken: {},
    RefreshToken: {},
    AppMetadata: {},
  }
  // defineProperty: a key can never reach a prototype, whatever it spells.
  for (const [key, entity] of entities) {
    Object.defineProperty(json[kindOf(entity)], key, {
      value: entity,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return json as MsalCacheJson
}

/** Entities grouped by section. */
export function groupEntities(entities: Iterable<CacheEntity>): ParsedCache {
  const out: ParsedCache = {
    accounts: [],
    idTokens: [],
    accessTokens: [],
    refreshTokens: [],
    appMetadata: [],
  }
  for (const e of entities) {
    const kind = kindOf(e)
    if (kind === 'Account') out.accounts.push(e as AccountEntity)
    else if (kind === 'IdToken') out.idTokens.push(e as IdTokenEntity)
    else if (kind === 'AccessToken') out.accessTokens.push(e as AccessTokenEntity)
    else if (kind === 'RefreshToken') out.refreshTokens.push(e as RefreshTokenEntity)
    else out.appMetadata.push(e as AppMetadataEntity)
  }
  return out
}
