import { cacheKeysFromSecrets } from '../cache/key-ring.ts'
import type { CacheStore } from '../cache/store.ts'
import { LazyStore, openStore } from '../cache/stores/open-store.ts'
import { TokenCache } from '../cache/token-cache.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { DEFAULT_ROLLING_SECONDS } from '../session/context.ts'
import type { SessionStore } from '../session/types.ts'

/** The token cache a configuration asks for, and how to wait until its store is open. */
export interface ConfiguredCache {
  cache: TokenCache
  /**
   * Where on-behalf-of tokens go: one partition per incoming token, bounded on its own
   * (`onBehalfOfMemoryBytes`) and sliding (`onBehalfOfSlidingSeconds`), in memory and in the
   * store (`idweb:obo:` keys) when there is a shared one.
   */
  onBehalfOf: TokenCache
  /** Resolves once the store is open; rejects naming the setting when it cannot be. */
  ready(): Promise<void>
  /** Whether each session has its own partition (the session token cache). */
  perSession: boolean
}

/** A server-side session store, as `createIdweb` takes it: any store, `close` if it has one. */
export type SessionStoreLike = SessionStore & Partial<CacheStore>

/** The session token cache's partition for session `sid`. */
export const sessionPartition = (sid: string): string => `session:${sid}`

/** The server-side session store `Idweb.Session.Store` names, opened in the background. */
export function configuredSessionStore(config: ResolvedConfig): LazyStore | undefined {
  const url = config.session?.store
  if (url === undefined) return undefined
  return new LazyStore(() => openStore(url, { setting: 'Idweb.Session.Store' }))
}

/** Resolves when `store` is open (a {@link LazyStore}), rejecting as it does. */
export async function whenOpen(store: SessionStoreLike | undefined): Promise<void> {
  if (store instanceof LazyStore) await store.ready()
}

function onBehalfOfBounds(config: ResolvedConfig, logger: Logger, clock: () => number) {
  const settings = config.tokenCache
  return {
    maxBytes: settings.onBehalfOfMemoryBytes,
    storeTtlSeconds: settings.onBehalfOfSlidingSeconds,
    logger,
    clock,
  }
}

/**
 * An on-behalf-of cache in process memory, bounded by `tokenCache.onBehalfOfMemoryBytes` and
 * sliding by `tokenCache.onBehalfOfSlidingSeconds` (for a token cache given in code, whose bounds
 * are its own).
 */
export function memoryOnBehalfOfCache(
  config: ResolvedConfig,
  logger: Logger,
  clock: () => number,
): TokenCache {
  const obo = onBehalfOfBounds(config, logger, clock)
  // In memory only, 0 bytes would be no cache at all: keep the one entry in use.
  return new TokenCache({ ...obo, maxBytes: Math.max(1, obo.maxBytes) })
}

/**
 * Builds the token cache of `config.tokenCache`: in process memory only for `memory`, else over
 * the store its URL names, opened in the background (calls before it is open are misses) and
 * sealed with keys derived from `encryptionKeys`, or from the session secrets.
 */
export function configuredCache(
  config: ResolvedConfig,
  logger: Logger,
  clock: () => number,
  sessionStore?: SessionStoreLike,
): ConfiguredCache {
  const settings = config.tokenCache
  const obo = onBehalfOfBounds(config, logger, clock)
  const memoryOnly = () => memoryOnBehalfOfCache(config, logger, clock)
  if (settings.store === 'memory') {
    return {
      cache: new TokenCache({ maxBytes: settings.memoryBytes, logger, clock }),
      onBehalfOf: memoryOnly(),
      ready: async () => {},
      perSession: false,
    }
  }
  const secrets = settings.encryptionKeys ?? config.session?.secrets
  if (secrets === undefined || secrets.length === 0) {
    throw new ConfigError(
      'Idweb.TokenCache.EncryptionKeys',
      'is needed to seal entries in the shared store: give one or more secrets of 32+ characters (or configure Idweb.Session.Secrets, which are then used).',
    )
  }
  const common = {
    keys: cacheKeysFromSecrets(secrets),
    maxBytes: settings.memoryBytes,
    storeTimeoutMs: settings.storeTimeoutMs,
    logger,
    clock,
  }
  if (settings.store === 'session') {
    if (sessionStore === undefined) {
      throw new ConfigError(
        'Idweb.TokenCache.Store',
        'is "session", which keeps each session\'s tokens with its server-side session record, but sessions live in the cookie here: set Idweb.Session.Store (for example redis://127.0.0.1:6379). Tokens never go into the cookie.',
      )
    }
    // Beside the session record, in its store, for as long as an idle session lives (renewed
    // on use); sign-out and a new sign-in remove it at once.
    const cache = new TokenCache({
      ...common,
      store: sessionStore,
      storeKeyPrefix: 'idweb:session:tokens:',
      storeTtlSeconds: config.session?.rollingSeconds ?? DEFAULT_ROLLING_SECONDS,
    })
    // An API's callers have no session: their on-behalf-of tokens stay in this process.
    return { cache, onBehalfOf: memoryOnly(), ready: async () => {}, perSession: true }
  }
  const store = new LazyStore(() => openStore(settings.store))
  const cache = new TokenCache({ ...common, store })
  const onBehalfOf = new TokenCache({
    ...common,
    ...obo,
    store,
    storeKeyPrefix: 'idweb:obo:',
  })
  return {
    cache,
    onBehalfOf,
    ready: async () => void (await store.ready()),
    perSession: false,
  }
}
