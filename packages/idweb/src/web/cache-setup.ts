import { cacheKeysFromSecrets } from '../cache/key-ring.ts'
import { LazyStore, openStore } from '../cache/stores/open-store.ts'
import { TokenCache } from '../cache/token-cache.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../logger.ts'

/** The token cache a configuration asks for, and how to wait until its store is open. */
export interface ConfiguredCache {
  cache: TokenCache
  /** Resolves once the store is open; rejects naming the setting when it cannot be. */
  ready(): Promise<void>
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
): ConfiguredCache {
  const settings = config.tokenCache
  if (settings.store === 'memory') {
    return {
      cache: new TokenCache({ maxBytes: settings.memoryBytes, logger, clock }),
      ready: async () => {},
    }
  }
  const secrets = settings.encryptionKeys ?? config.session?.secrets
  if (secrets === undefined || secrets.length === 0) {
    throw new ConfigError(
      'Idweb.TokenCache.EncryptionKeys',
      'is needed to seal entries in the shared store: give one or more secrets of 32+ characters (or configure Idweb.Session.Secrets, which are then used).',
    )
  }
  const store = new LazyStore(() => openStore(settings.store))
  const cache = new TokenCache({
    store,
    keys: cacheKeysFromSecrets(secrets),
    maxBytes: settings.memoryBytes,
    storeTimeoutMs: settings.storeTimeoutMs,
    logger,
    clock,
  })
  return { cache, ready: async () => void (await store.ready()) }
}
