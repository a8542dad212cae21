import type { Logger } from '../logger.ts'
import type { CacheStore, StoreWatcher } from './store.ts'

/**
 * Starts listening to `store`'s change notices, when it has them. Once listening, `watcher.gap()`
 * is called: what was loaded before the notices began may have changed unheard. Resolves the stop
 * function, or `undefined` when the store has no notices or they could not start (logged: the
 * instance then cannot hear of other instances' changes).
 */
export function watchStore(
  store: CacheStore | undefined,
  logger: Logger,
  watcher: StoreWatcher,
): Promise<(() => Promise<void>) | undefined> | undefined {
  const watch = store?.watch?.bind(store)
  if (watch === undefined) return undefined
  return watch(watcher).then(
    (stop) => {
      watcher.gap()
      return stop
    },
    (err: unknown) => {
      logger.warn(
        'token cache store change notices are unavailable; instances may serve each other stale tokens',
        { error: err instanceof Error ? err.name : 'error' },
      )
      return undefined
    },
  )
}
