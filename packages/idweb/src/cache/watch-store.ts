import type { Logger } from '../logger.ts'
import type { CacheStore, StoreWatcher } from './store.ts'

/** Options of {@link watchStore}. */
export interface WatchOptions {
  /** Whether the cache was closed: no more attempts then. */
  closed?: () => boolean
  /** First wait before trying again after a failed start, doubled up to 30 s. Default 1,000 ms. */
  retryMs?: number
}

/**
 * Starts listening to `store`'s change notices, when it has them. Once listening, `watcher.gap()`
 * is called: what was loaded before the notices began may have changed unheard. A start that
 * fails (the store unreachable just then) is logged and tried again, waiting 1 s, then twice as
 * long each time up to 30 s, until it works or the cache is closed: an instance never stays deaf
 * to the others' changes for good. Resolves the stop function, or `undefined` when the store has
 * no notices or the cache was closed first.
 */
export function watchStore(
  store: CacheStore | undefined,
  logger: Logger,
  watcher: StoreWatcher,
  options: WatchOptions = {},
): Promise<(() => Promise<void>) | undefined> | undefined {
  const watch = store?.watch?.bind(store)
  if (watch === undefined) return undefined
  const closed = options.closed ?? (() => false)
  let waitMs = options.retryMs ?? 1000
  let failures = 0
  const attempt = (): Promise<(() => Promise<void>) | undefined> =>
    watch(watcher).then(
      (stop) => {
        if (failures > 0) logger.info('token cache store change notices are available again')
        watcher.gap()
        return stop
      },
      async (err: unknown) => {
        if (failures++ === 0) {
          logger.warn(
            'token cache store change notices are unavailable; instances may serve each other stale tokens until they start (retrying)',
            { error: err instanceof Error ? err.name : 'error' },
          )
        }
        if (closed()) return undefined
        await new Promise((resolve) => setTimeout(resolve, waitMs).unref())
        waitMs = Math.min(waitMs * 2, 30_000)
        return closed() ? undefined : attempt()
      },
    )
  return attempt()
}
