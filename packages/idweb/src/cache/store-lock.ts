import type { CacheStore } from './store.ts'
import type { StoreResult } from './store-call.ts'

/** A bounded store call, as the token cache makes them (`waitMs` added to its timeout). */
export type BoundedCall = <T>(
  op: string,
  fn: () => Promise<T>,
  waitMs?: number,
) => Promise<StoreResult<T>>

/**
 * Takes `store`'s lock `name` through `call`. Resolves its release, or `undefined` when the store
 * has no locks, the lock was not had within `waitMs`, or the call failed (the caller goes on
 * unlocked). A lock granted after the call was given up on is handed straight back, or it would
 * hold off every instance for its whole TTL.
 */
export async function lockInStore(
  store: CacheStore | undefined,
  name: string,
  ttlMs: number,
  waitMs: number,
  call: BoundedCall,
): Promise<(() => Promise<void>) | undefined> {
  const lock = store?.lock?.bind(store)
  if (lock === undefined) return undefined
  let asked: Promise<(() => Promise<void>) | undefined> | undefined
  const r = await call('lock', () => (asked = lock(name, ttlMs, waitMs)), waitMs)
  if (!r.ok) {
    void asked?.then((late) => late?.()).catch(() => {})
    return undefined
  }
  const release = r.value
  if (release === undefined) return undefined
  return async () => {
    await call('unlock', release)
  }
}
