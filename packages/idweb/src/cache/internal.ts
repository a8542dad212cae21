import { Sealer } from './seal.ts'

/**
 * State the {@link TokenCache} keeps on each partition it manages. Not exported from the package:
 * callers see partitions, not their bookkeeping.
 */

/** Cheap counters, shared by a cache and its partitions. */
export interface CacheStats {
  /** `findAccessToken` calls answered with a token. */
  hits: number
  /** `findAccessToken` calls answered with nothing. */
  misses: number
  /** `partition()` calls answered from memory (L1). */
  l1Hits: number
  /** `partition()` calls that went to the store (L2), or found nothing without one. */
  l1Misses: number
  /** Partitions read from the store and opened. */
  storeHits: number
  /** Partitions evicted from memory to stay under `maxBytes`. */
  evictions: number
  /** Store calls that failed or timed out (each was treated as a miss). */
  storeErrors: number
  /** Store calls not made because the store had failed repeatedly (circuit breaker open). */
  storeSkipped: number
  /** Store entries that could not be opened or parsed (each was deleted). */
  corruptEntries: number
  /** Partitions written to the store. */
  writes: number
  /** Unchanged partitions written again to renew their store lifetime (sliding expiry). */
  renewals: number
  /** Compare-and-set attempts that lost a race and merged the other writer's state. */
  casConflicts: number
}

/** New zeroed counters. */
export function newStats(): CacheStats {
  return {
    hits: 0,
    misses: 0,
    l1Hits: 0,
    l1Misses: 0,
    storeHits: 0,
    evictions: 0,
    storeErrors: 0,
    storeSkipped: 0,
    corruptEntries: 0,
    writes: 0,
    casConflicts: 0,
    renewals: 0,
  }
}

/** Per-partition bookkeeping. */
export interface PartitionState {
  /** Incremented on every change; a flush is clean only if no change happened meanwhile. */
  version: number
  /** The sealed bytes last read from or written to the store, the CAS expectation. */
  snapshot: Uint8Array | undefined
  /** When {@link snapshot} was sealed (epoch ms; 0 unknown): how old its store lifetime is. */
  sealedAt: number
  /**
   * When it was last used (epoch ms), in a cache without a store: sliding expiry then happens in
   * memory, and a partition unused for the cache's lifetime is dropped.
   */
  usedAt: number
  /** Another instance may have changed it in the store: read it again before serving it. */
  stale: boolean
  /** Cache-wide sequence number when the partition was created (compared with tombstones). */
  seq: number
  /** Keys removed locally since the last store sync → epoch seconds of the removal. */
  deleted: Map<string, number> | undefined
  /** Shared counters. */
  stats: CacheStats
  /** Called after every change (the cache re-accounts the partition's bytes). */
  onChange: ((bytes: number) => void) | undefined
  /** Clears the partition's `hasStateChanged` (after a write of its current version). */
  markClean: () => void
}

/** The symbol under which a partition keeps its {@link PartitionState}. */
export const state: unique symbol = Symbol('idweb.cache.partitionState')

/** Records `blob` as what the store holds for a partition, and when it was sealed. */
export function adopt(st: PartitionState, blob: Uint8Array | undefined): void {
  st.snapshot = blob
  st.sealedAt = blob === undefined ? 0 : (Sealer.sealedAtOf(blob) ?? 0)
}
