/**
 * The contract every token cache store implements. Stores see opaque bytes under opaque keys:
 * partition keys, serialization and encryption all live in the core, which is why a new store is
 * a hundred lines (the same split as Microsoft.Identity.Web's cache providers).
 */
export interface CacheStore {
  /** The bytes stored under `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<Uint8Array | undefined>
  /** Stores `value` under `key`, replacing any value; `ttlSeconds` bounds its life when given. */
  set(key: string, value: Uint8Array, ttlSeconds?: number): Promise<void>
  /** Removes `key`; removing an absent key is not an error. */
  delete(key: string): Promise<void>
  /**
   * Atomically replaces the value under `key` with `next` only if the current value equals
   * `expected` (`undefined`: only if absent). Resolves `true` when written. Stores shared between
   * processes implement it so two instances writing one partition never lose an update.
   */
  compareAndSet?(
    key: string,
    expected: Uint8Array | undefined,
    next: Uint8Array,
    ttlSeconds?: number,
  ): Promise<boolean>
  /**
   * Takes an exclusive lock named `key` for at most `ttlMs`, waiting up to `waitMs` for it.
   * Resolves a release function, or `undefined` when the lock could not be had in time. Shared
   * stores implement it so one refresh serves every process.
   */
  lock?(key: string, ttlMs: number, waitMs: number): Promise<(() => Promise<void>) | undefined>
  /**
   * Tells `watcher` which keys other instances wrote or deleted (not this store object's own
   * writes), at least among the keys this object has read or written, so in-process copies of
   * them can be dropped; `gap` when notices may have been lost
   * (the notification channel dropped or came back). Resolves a function that stops watching.
   * Shared stores implement it so no instance serves what another one changed.
   */
  watch?(watcher: StoreWatcher): Promise<() => Promise<void>>
  /** Releases connections; the store is unusable afterwards. */
  close?(): Promise<void>
}

/** What {@link CacheStore.watch} reports to. */
export interface StoreWatcher {
  /** Another instance wrote or deleted `key`. */
  changed(key: string): void
  /**
   * Notices may have been missed: treat every key as possibly changed. `reconnected`: the change
   * channel is back after a drop, so the store answers again.
   */
  gap(reconnected?: boolean): void
}
