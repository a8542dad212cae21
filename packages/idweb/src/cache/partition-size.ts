// What the cache counts a partition as in memory: a rough, cheap estimate of its bytes.
import type { CacheEntity } from './entities.ts'

/** Rough V8 costs: a partition with its maps and bookkeeping, a map entry, a token record. */
export const PARTITION_BYTES = 600
export const ENTRY_BYTES = 40
export const RECORD_BYTES = 400

/** A rough size of an entity: its field names and string values, plus object overhead. */
export function entityBytes(entity: object): number {
  let n = 32
  for (const v of Object.values(entity)) {
    n += 8 + (typeof v === 'string' ? 16 + v.length : 16)
  }
  return n
}

/** The estimate for a partition named `key` holding `entities` (by key). */
export function partitionBytes(key: string, entities: ReadonlyMap<string, CacheEntity>): number {
  let bytes = PARTITION_BYTES + key.length
  for (const [k, e] of entities) {
    bytes += ENTRY_BYTES + k.length + entityBytes(e)
    if (e.credential_type === 'AccessToken') bytes += RECORD_BYTES
  }
  return bytes
}
