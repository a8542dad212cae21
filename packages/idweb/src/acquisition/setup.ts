import * as oauth from 'oauth4webapi'
import { type Authority, entraAuthority } from '../authority/authority.ts'
import { DiscoveryCache, type DiscoveryFetch } from '../authority/discovery.ts'
import type { TokenCache } from '../cache/token-cache.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'
import { CredentialChain } from '../credentials/credential-chain.ts'
import { createProviderFetch } from '../http/provider-fetch.ts'
import type { Logger } from '../logger.ts'
import {
  createProtocolContext,
  fixedClientAuth,
  type ProtocolContext,
} from '../protocol/context.ts'
import { TokenAcquirer } from './acquirer.ts'

/** What {@link createAcquisition} needs besides the configuration. */
export interface AcquisitionDependencies {
  /** Where tokens are cached. */
  readonly cache: TokenCache
  /** Where on-behalf-of tokens are cached (bounded apart); default `cache`. */
  readonly onBehalfOfCache?: TokenCache | undefined
  readonly logger: Logger
  /** Epoch ms. */
  readonly clock: () => number
  /** Replaces `fetch` for provider calls; the configured bounds apply on top of it. */
  readonly fetch?: typeof fetch | undefined
}

/** Token acquisition for one configuration, as `createIdweb` and `createDaemon` build it. */
export interface Acquisition {
  readonly acquirer: TokenAcquirer
  /**
   * The provider metadata (discovered once, cached; rebuilt when discovery fetches anew), of the
   * configured authority or, on Entra, of another `tenant` of the same cloud.
   */
  readonly protocol: (tenant?: string) => Promise<ProtocolContext>
  /** The configured client credentials, `undefined` for a public client. */
  readonly credentials: CredentialChain | undefined
}

/** What {@link createProtocolSource} needs besides the configuration. */
export type ProtocolDependencies = Pick<AcquisitionDependencies, 'logger' | 'fetch'>

/** How one configuration reaches its provider, whichever client uses it. */
export interface ProtocolSource {
  /** See {@link Acquisition.protocol}. */
  readonly protocol: (tenant?: string) => Promise<ProtocolContext>
  /** The configured client credentials, `undefined` for a public client. */
  readonly credentials: CredentialChain | undefined
}

/**
 * What every client of the configuration shares, confidential or public, signing users in or
 * not: the client credentials (in order, with fallback and reload on `invalid_client`), one
 * bounded `fetch` for every provider call, and the discovery cache.
 */
export function createProtocolSource(
  config: ResolvedConfig,
  deps: ProtocolDependencies,
): ProtocolSource {
  const { logger } = deps
  const credentials =
    config.credentials.length > 0 ? new CredentialChain(config.credentials, { logger }) : undefined
  const authenticator = credentials ?? fixedClientAuth(oauth.None())
  // Every provider call, oauth4webapi's included, goes through the same bounded fetch.
  const providerFetch = createProviderFetch({ ...config.provider, fetch: deps.fetch, logger })
  const http = {
    timeoutMs: config.provider.timeoutMs,
    fetch: providerFetch,
    allowInsecureRequests: config.allowInsecureHttp,
  }
  const discovery = new DiscoveryCache({
    allowInsecureHttp: config.allowInsecureHttp,
    timeoutMs: http.timeoutMs,
    logger,
    fetch: providerFetch as DiscoveryFetch,
  })
  const isEntra = config.authority.kind !== 'oidc'
  // One context per discovery document: rebuilt only when discovery fetches a new one.
  const contexts = new WeakMap<object, ProtocolContext>()
  const tenants = tenantAuthorities(config.authority)
  const protocol = async (tenant?: string): Promise<ProtocolContext> => {
    const as = await discovery.get(tenants(tenant))
    let ctx = contexts.get(as)
    if (ctx === undefined) {
      ctx = createProtocolContext({
        as,
        clientId: config.clientId,
        authenticator,
        http,
        clockToleranceSeconds: config.clockToleranceSeconds,
        isEntra,
        allowedTenants: config.allowedTenants,
        idTokenSigningAlgs: config.idTokenSigningAlgs,
      })
      contexts.set(as, ctx)
    }
    return ctx
  }
  return { protocol, credentials }
}

/**
 * Builds {@link createProtocolSource}'s parts and the {@link TokenAcquirer} over `cache`: what
 * `createIdweb` and `createDaemon` acquire tokens with.
 */
export function createAcquisition(
  config: ResolvedConfig,
  deps: AcquisitionDependencies,
): Acquisition {
  const { protocol, credentials } = createProtocolSource(config, deps)
  const acquirer = new TokenAcquirer({
    cache: deps.cache,
    onBehalfOfCache: deps.onBehalfOfCache,
    protocol,
    clientId: config.clientId,
    environment: config.authority.environment,
    authorityType: config.authority.kind !== 'oidc' ? 'MSSTS' : 'Generic',
    refreshWindowSeconds: config.tokenRefreshWindowSeconds,
    lockTtlMs: config.provider.timeoutMs + 5000,
    defaultTenant: config.authority.isMultiTenant ? undefined : config.authority.tenant,
    logger: deps.logger,
    clock: deps.clock,
  })
  return { acquirer, protocol, credentials }
}

/** Most tenants whose authority is kept; past it the map starts over (they are cheap to build). */
const MAX_TENANTS = 1000

/**
 * The authority of `tenant` on the configured Entra cloud, for app tokens in a customer's tenant
 * and on-behalf-of exchanges in the caller's: the configured one when no tenant is named, when it
 * is the configured one, or outside Entra (B2C, External ID, other providers have one tenant).
 */
function tenantAuthorities(configured: Authority): (tenant?: string) => Authority {
  const built = new Map<string, Authority>()
  return (tenant) => {
    const t = tenant?.toLowerCase()
    if (t === undefined || t === configured.tenant || configured.kind !== 'entra') return configured
    let authority = built.get(t)
    if (authority === undefined) {
      authority = entraAuthority(configured.instance, t, { tenant: 'tenant' })
      if (built.size >= MAX_TENANTS) built.clear()
      built.set(t, authority)
    }
    return authority
  }
}
