import type { CacheEntity } from './entities.ts'
import { Partition } from './partition.ts'
import { parseMsalJson, sourceKeyOf, toMsalJson } from './serialization.ts'
import type { TokenCache } from './token-cache.ts'

/** What {@link importMsalCache} did. */
export interface MsalImport {
  /** Partitions written: one per account, and one per (client, tenant) of app-only tokens. */
  partitions: string[]
}

/**
 * Imports a whole MSAL cache (what msal-node's `serialize()`, MSAL Python's or MSAL.NET's write)
 * into idweb's cache: one partition per account (its home account id, as idweb keys users) and
 * one per client and tenant for app-only tokens (`app:<client>:<tenant>`, as idweb keys them).
 * Entities merge with what a partition already holds; the newer copy of each wins. Each
 * partition is written to the store. Throws `IDW_CACHE_CORRUPT` for JSON that is not an MSAL
 * cache; entities that do not fit the schema are skipped.
 *
 * @example
 * ```ts
 * // migrating from msal-node: no user signs in again
 * await importMsalCache(cache, msalApp.getTokenCache().serialize())
 * ```
 */
export async function importMsalCache(cache: TokenCache, json: string): Promise<MsalImport> {
  const parsed = parseMsalJson(json)
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
  for (const [key, entities] of groups) {
    const theirs = Partition.deserialize(
      key,
      // Under the keys they were read under, so each keeps its writer's key form.
      JSON.stringify(
        toMsalJson(
          entities.concat(parsed.appMetadata).map((e, i) => [sourceKeyOf(e) ?? String(i), e]),
        ),
      ),
    )
    const p = await cache.partition(key)
    p.merge(theirs)
    await cache.flush(p)
    partitions.push(key)
  }
  return { partitions }
}

/** Partition `key` as MSAL-schema JSON, which every MSAL library's `deserialize` reads. */
export async function exportMsalCache(cache: TokenCache, key: string): Promise<string> {
  return JSON.stringify(await cache.partition(key))
}
