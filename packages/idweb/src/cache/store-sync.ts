import { type Logger, redactId } from '../logger.ts'
import { adopt, type CacheStats, state } from './internal.ts'
import { Partition } from './partition.ts'
import type { Sealer } from './seal.ts'
import type { CacheStore } from './store.ts'
import type { StoreResult } from './store-call.ts'
import type { FlushResult } from './token-cache-options.ts'

const MAX_CAS_ATTEMPTS = 5

/** What {@link writePartition} and {@link reloadPartition} need of the cache owning the partition. */
export interface PartitionStoreContext {
  store: CacheStore
  sealer: Sealer
  ttlSeconds: number
  clock: () => number
  logger: Logger
  stats: CacheStats
  /** The store key of partition `key`. */
  storeKey(key: string): string
  /** Whether `p` was removed (a sign-out) after it was loaded. */
  isRemoved(p: Partition): boolean
  /** Opens a sealed blob into `into`; `false` when it cannot be used. */
  open(key: string, blob: Uint8Array, into: Partition): boolean
  /** A store call, bounded, failures logged and counted. */
  call<T>(op: string, key: string, fn: () => Promise<T>): Promise<StoreResult<T>>
}

/**
 * Writes `p` to the store, sealed: with compare-and-set when the store has it (on a lost race:
 * re-read, merge, retry, up to five times), else a plain `set`. `renew`: even unchanged, to renew
 * its store lifetime; a concurrent writer's write renews it as well, and an entry gone from the
 * store is not brought back. Never rejects.
 */
export async function writePartition(
  ctx: PartitionStoreContext,
  p: Partition,
  renew: boolean,
): Promise<FlushResult> {
  const { store, stats } = ctx
  const st = p[state]
  const storeKey = ctx.storeKey(p.key)
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    if (ctx.isRemoved(p)) return 'removed'
    if (!p.hasStateChanged && !(renew && st.snapshot !== undefined)) return 'clean'
    const version = st.version
    const renewing = renew && !p.hasStateChanged
    const blob = ctx.sealer.seal(p.key, JSON.stringify(p), ctx.clock())
    if (store.compareAndSet !== undefined) {
      const cas = store.compareAndSet.bind(store)
      const r = await ctx.call('compareAndSet', p.key, () =>
        cas(storeKey, st.snapshot, blob, ctx.ttlSeconds),
      )
      if (!r.ok) return 'failed'
      if (!r.value) {
        stats.casConflicts++
        const current = await ctx.call('get', p.key, () => store.get(storeKey))
        if (!current.ok) return 'failed'
        renew = false
        adopt(st, current.value)
        const theirs = new Partition(p.key, { clock: ctx.clock })
        if (current.value !== undefined && ctx.open(p.key, current.value, theirs)) {
          p.merge(theirs)
        }
        continue
      }
    } else {
      const r = await ctx.call('set', p.key, () => store.set(storeKey, blob, ctx.ttlSeconds))
      if (!r.ok) return 'failed'
    }
    adopt(st, blob)
    stats.writes++
    if (renewing) stats.renewals++
    if (st.version === version) {
      st.markClean()
      st.deleted = undefined
    }
    return 'written'
  }
  ctx.logger.warn('token cache write kept losing races; will retry on the next flush', {
    partition: redactId(p.key),
  })
  return 'failed'
}

/**
 * Reads partition `p` again from the store and takes what another instance wrote since it was
 * loaded: its content when `p` has no unsaved change, else a merge (newer tokens win); an entry
 * gone from the store (another instance's sign-out) empties `p`. Resolves `false` when the store
 * failed (`p` is then as it was). Never rejects.
 */
export async function reloadPartition(ctx: PartitionStoreContext, p: Partition): Promise<boolean> {
  if (ctx.isRemoved(p)) return true
  const store = ctx.store
  const r = await ctx.call('get', p.key, () => store.get(ctx.storeKey(p.key)))
  if (!r.ok) return false
  const st = p[state]
  if (r.value === undefined) {
    if (st.snapshot !== undefined) {
      p.deserialize('{}')
      adopt(st, undefined)
    }
    return true
  }
  if (st.snapshot !== undefined && Buffer.compare(st.snapshot, r.value) === 0) return true
  if (!p.hasStateChanged) {
    if (ctx.open(p.key, r.value, p)) adopt(st, r.value)
    return true
  }
  const theirs = new Partition(p.key, { clock: ctx.clock })
  if (ctx.open(p.key, r.value, theirs)) {
    p.merge(theirs)
    adopt(st, r.value)
  }
  return true
}
