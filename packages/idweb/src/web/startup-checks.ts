import { GRAPH_SDK, loadPeer, type PeerImport, STORE_DRIVERS } from '../cache/stores/driver.ts'
import { storeKind } from '../cache/stores/open-store.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'

/** The Microsoft Graph SDK, which the `Graph` downstream API entry needs (see `createGraphClient`). */

/** An optional package the configuration needs, and the setting that asks for it. */
interface NeededPeer {
  specifier: string
  pkg: string
  setting: string
}

/** What of the configuration {@link checkPeers} looks at: the stores idweb opens itself. */
export interface PeerNeeds {
  /** Whether the token cache is the one `Idweb.TokenCache.Store` names (none was injected). */
  configuredCache: boolean
  /** Whether the session store is the one `Idweb.Session.Store` names (none was injected). */
  configuredSessionStore: boolean
}

/**
 * The optional packages `config` needs: the driver of each shared store its URLs name, and the
 * Graph SDK when a `Graph` downstream API is configured.
 */
export function neededPeers(config: ResolvedConfig, needs: PeerNeeds): NeededPeer[] {
  const peers: NeededPeer[] = []
  const store = (url: string | undefined, setting: string) => {
    if (url === undefined || url === 'session') return
    const kind = storeKind(url, setting)
    if (kind === 'redis' || kind === 'postgres' || kind === 'mysql') {
      peers.push({ ...STORE_DRIVERS[kind], setting })
    }
  }
  if (needs.configuredCache) store(config.tokenCache.store, 'Idweb.TokenCache.Store')
  if (needs.configuredSessionStore) store(config.session?.store, 'Idweb.Session.Store')
  if (Object.hasOwn(config.downstreamApis, 'Graph')) {
    peers.push({ specifier: GRAPH_SDK, pkg: GRAPH_SDK, setting: 'DownstreamApis.Graph' })
  }
  return peers
}

/**
 * Loads every optional package the configuration needs, so that a missing one is reported at
 * startup (`ready()`), naming the setting and its `npm install` line, and not first by a request.
 *
 * @throws ConfigError `IDW_CONFIG_INVALID` for the first package that is not installed.
 */
export async function checkPeers(
  config: ResolvedConfig,
  needs: PeerNeeds,
  load?: PeerImport,
): Promise<void> {
  for (const peer of neededPeers(config, needs)) {
    await loadPeer(peer.specifier, peer.pkg, peer.setting, load)
  }
}
