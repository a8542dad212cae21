import {
  type AccessTokenEntity,
  type CacheEntity,
  credentialKey,
  type IdTokenEntity,
  type MsalCacheJson,
  type RefreshTokenEntity,
} from './entities.ts'

type Credential = IdTokenEntity | AccessTokenEntity | RefreshTokenEntity

import { Partition } from './partition.ts'
import { parseMsalJson, sourceKeyOf, toMsalJson } from './serialization.ts'
import type { TokenCache } from './token-cache.ts'

/** Options of {@link importMsalCache}. */
export interface ImportOptions {
  /**
   * Import only this account's partition (its home account id): what else the JSON holds, other
   * accounts' tokens or app-only tokens, is left out.
   */
  account?: string
  /** Epoch ms; timestamps later than this are taken as now. Default `Date.now()`. */
  now?: number
}

/**
 * Takes a copy that claims to be written after `now` as written now: a far-future timestamp would
 * otherwise win over every later write, and a used refresh token would keep being redeemed.
 */
function notAfter(e: CacheEntity, now: number): void {
  const fields = e as { cached_at?: unknown; last_modification_time?: unknown }
  for (const name of ['cached_at', 'last_modification_time'] as const) {
    if (fields[name] !== undefined && Number(fields[name]) > now) fields[name] = String(now)
  }
}

/** What {@link importMsalCache} did. */
export interface MsalImport {
  /** Partitions written: one per account, and one per (client, tenant) of app-only tokens. */
  partitions: string[]
}

/**
 * Imports a whole MSAL cache (what msal-node's `serialize()`, MSAL Python's or MSAL.NET's write)
 * into idweb's cache: one partition per account (its home account id, as idweb keys users) and
 * one per client and tenant for app-only tokens (`app:<client>:<tenant>`, as idweb keys them).
 * Entities merge with what a partition already holds; the newer copy of each wins, and the
 * imported one when both were written in the same second. Each
 * partition is written to the store. Throws `IDW_CACHE_CORRUPT` for JSON that is not an MSAL
 * cache; entities that do not fit the schema are skipped.
 *
 * @example
 * ```ts
 * // migrating from msal-node: no user signs in again
 * await importMsalCache(cache, msalApp.getTokenCache().serialize())
 * ```
 */
export async function importMsalCache(
  cache: TokenCache,
  json: string,
  options: ImportOptions = {},
): Promise<MsalImport> {
  const parsed = parseMsalJson(json)
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  const groups = new Map<string, CacheEntity[]>()
  const add = (key: string, e: CacheEntity) => {
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [e])
    else group.push(e)
  }
  for (const a of parsed.accounts) add(a.home_account_id, a)
  for (const t of [...parsed.idTokens, ...parsed.refreshTokens, ...parsed.accessTokens]) {
    const home = t.home_account_id
    if (home) add(home, t)
    else add(`app:${t.client_id}:${'realm' in t && typeof t.realm === 'string' ? t.realm : ''}`, t)
  }
  const partitions: string[] = []
  for (const [key, all] of groups) {
    if (options.account !== undefined && key !== options.account) continue
    for (const e of all) notAfter(e, now)
    const p = await cache.partition(key)
    const entities = withoutLeftCopies(all, p)
    const theirs = Partition.deserialize(
      key,
      // Under the keys they were read under, so each keeps its writer's key form.
      JSON.stringify(
        toMsalJson(
          entities.concat(parsed.appMetadata).map((e, i) => [sourceKeyOf(e) ?? String(i), e]),
        ),
      ),
    )
    p.merge(theirs, 'theirs')
    await cache.flush(p)
    partitions.push(key)
  }
  return { partitions }
}

/**
 * Drops the copies of a credential that an MSAL client left behind: each MSAL library updates only
 * the keys it makes, so a client handed a cache in another's key form adds its new token next to
 * the old one. Where one credential comes under two keys and one copy is what this partition
 * already holds, the other is the client's newer one, whatever the (whole-second) timestamps say.
 */
function withoutLeftCopies(entities: CacheEntity[], ours: Partition): CacheEntity[] {
  const held = new Map<string, unknown>()
  for (const e of credentialsOf(ours.toJSON())) held.set(credentialKey(e), e.secret)
  // Per credential: how many copies come, and whether one holds a token other than ours.
  const copies = new Map<string, { count: number; other: boolean }>()
  for (const e of entities) {
    if (!('credential_type' in e)) continue
    const k = credentialKey(e as Credential)
    const c = copies.get(k) ?? { count: 0, other: false }
    c.count++
    if ((e as Credential).secret !== held.get(k)) c.other = true
    copies.set(k, c)
  }
  return entities.filter((e) => {
    if (!('credential_type' in e)) return true
    const k = credentialKey(e as Credential)
    const c = copies.get(k)
    return !(c && c.count > 1 && c.other && held.get(k) === (e as Credential).secret)
  })
}

function credentialsOf(json: MsalCacheJson): Credential[] {
  return [
    ...Object.values(json.IdToken),
    ...Object.values(json.AccessToken),
    ...Object.values(json.RefreshToken),
  ]
}

/** Partition `key` as MSAL-schema JSON, which every MSAL library's `deserialize` reads. */
export async function exportMsalCache(cache: TokenCache, key: string): Promise<string> {
  return JSON.stringify(await cache.partition(key))
}
