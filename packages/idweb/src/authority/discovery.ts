import * as oauth from 'oauth4webapi'
import { describeProviderError, IdwebError, isIdwebError, ProtocolError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { protocolFields } from '../protocol/errors.ts'
import type { Authority } from './authority.ts'
import { issuerMatches } from './issuer.ts'

/** A fetch function with the shape oauth4webapi's `customFetch` accepts. */
export type DiscoveryFetch = (
  url: string,
  options: oauth.CustomFetchOptions<'GET'>,
) => Promise<Response>

/** Options of {@link DiscoveryCache}. */
export interface DiscoveryCacheOptions {
  /** How long a discovered document is reused. Default 86,400 s (24 h). */
  ttlSeconds?: number
  /** How long a failure is remembered before the next attempt. Default 5 s. */
  failureTtlSeconds?: number
  /** Abort a discovery request that takes longer. Default 10,000 ms. */
  timeoutMs?: number
  /** Replaces `fetch` (proxies, tests). Passed to oauth4webapi as `customFetch`. */
  fetch?: DiscoveryFetch
  /**
   * Lets discovery use `http:` URLs. Development only: set it from the validated configuration's
   * `allowInsecureHttp`, never on its own.
   */
  allowInsecureHttp?: boolean
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
  /** Clock in milliseconds, for tests. */
  now?: () => number
}

interface Entry {
  promise: Promise<oauth.AuthorizationServer>
  expiresAt: number
  settled: boolean
}

/**
 * Fetches and caches OpenID Connect discovery documents, one per authority.
 *
 * Concurrent callers share a single request in flight. Documents are reused for `ttlSeconds`;
 * failures are remembered only for `failureTtlSeconds`. When a refresh fails and an earlier
 * document exists, the earlier one keeps serving (logged as a warning) until the next attempt.
 * Every failure is an {@link IdwebError} with code `IDW_DISCOVERY_FAILED`, including a discovery
 * `issuer` that is not the one the authority expects (the message names both).
 *
 * @example
 * ```ts
 * const discovery = new DiscoveryCache({ allowInsecureHttp: config.allowInsecureHttp, logger })
 * const as = await discovery.get(config.authority)
 * as.token_endpoint // 'https://login.microsoftonline.com/common/oauth2/v2.0/token'
 * ```
 */
export class DiscoveryCache {
  readonly #entries = new Map<string, Entry>()
  readonly #lastGood = new Map<string, oauth.AuthorizationServer>()
  readonly #ttlMs: number
  readonly #failureTtlMs: number
  readonly #timeoutMs: number
  readonly #fetch: DiscoveryFetch | undefined
  readonly #allowInsecure: boolean
  readonly #logger: Logger
  readonly #now: () => number

  constructor(options: DiscoveryCacheOptions = {}) {
    this.#ttlMs = (options.ttlSeconds ?? 86_400) * 1000
    this.#failureTtlMs = (options.failureTtlSeconds ?? 5) * 1000
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#fetch = options.fetch
    this.#allowInsecure = options.allowInsecureHttp === true
    this.#logger = options.logger ?? silentLogger
    this.#now = options.now ?? Date.now
  }

  /**
   * The discovery document of `authority` (frozen), from cache when fresh.
   *
   * @throws IdwebError `IDW_DISCOVERY_FAILED`.
   */
  get(authority: Authority): Promise<oauth.AuthorizationServer> {
    const key = authority.discoveryUrl
    const now = this.#now()
    const cached = this.#entries.get(key)
    if (cached && (!cached.settled || cached.expiresAt > now)) return cached.promise
    const entry: Entry = { promise: Promise.resolve({ issuer: '' }), expiresAt: 0, settled: false }
    entry.promise = this.#discover(authority).then(
      (as) => {
        entry.settled = true
        entry.expiresAt = this.#now() + this.#ttlMs
        this.#lastGood.set(key, as)
        return as
      },
      (err: unknown) => {
        entry.settled = true
        entry.expiresAt = this.#now() + this.#failureTtlMs
        const previous = this.#lastGood.get(key)
        if (previous) {
          this.#logger.warn('discovery refresh failed; still using the previous document', {
            authority: authority.authority,
            reason: err instanceof Error ? err.message : String(err),
          })
          return previous
        }
        throw err
      },
    )
    this.#entries.set(key, entry)
    return entry.promise
  }

  /** Forgets every cached document and failure. */
  clear(): void {
    this.#entries.clear()
    this.#lastGood.clear()
  }

  async #discover(authority: Authority): Promise<oauth.AuthorizationServer> {
    const url = authority.discoveryUrl
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, rejectTimeout) => {
      timer = setTimeout(() => {
        controller.abort()
        rejectTimeout(
          new IdwebError(
            'IDW_DISCOVERY_FAILED',
            `Discovery at ${url} did not answer within ${this.#timeoutMs} ms: check that the authority is reachable from this server.`,
            { status: 503 },
          ),
        )
      }, this.#timeoutMs)
    })
    try {
      return await Promise.race([this.#fetchAndCheck(authority, controller.signal), timeout])
    } catch (err) {
      if (isIdwebError(err, 'IDW_DISCOVERY_FAILED')) throw err
      if (isIdwebError(err)) {
        // The provider fetch's own refusal (unreachable, 5xx, not JSON, too large): named as a
        // discovery failure, with its status (503 for an outage) and its words.
        throw new IdwebError('IDW_DISCOVERY_FAILED', `Discovery failed: ${err.message}`, {
          cause: err,
          status: err.status,
        })
      }
      throw new IdwebError(
        'IDW_DISCOVERY_FAILED',
        `Discovery at ${url} failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      )
    } finally {
      clearTimeout(timer)
    }
  }

  async #fetchAndCheck(authority: Authority, signal: AbortSignal) {
    const options: oauth.DiscoveryRequestOptions = { signal }
    if (this.#fetch) options[oauth.customFetch] = this.#fetch
    if (this.#allowInsecure) options[oauth.allowInsecureRequests] = true
    const response = await oauth.discoveryRequest(new URL(authority.authority), options)
    if (response.status !== 200) await refuseWithProviderError(authority, response)
    const expected = authority.expectedIssuer
    let expectedUrl = expected.value
    if (expected.kind === 'pattern') {
      // The tenant GUID is not known yet: read the stated issuer, check it against the pattern,
      // then let oauth4webapi validate the document against that exact value.
      const stated = await peekIssuer(response)
      if (stated !== undefined && issuerMatches(expected, stated)) expectedUrl = stated
    }
    let as: oauth.AuthorizationServer
    try {
      as = await oauth.processDiscoveryResponse(new URL(expectedUrl), response)
    } catch (err) {
      if (
        err instanceof oauth.OperationProcessingError &&
        err.code === oauth.JSON_ATTRIBUTE_COMPARISON
      ) {
        throw mismatch(authority, statedIssuer(err))
      }
      throw err
    }
    // oauth4webapi compares normalized URLs; the issuer must also be exactly the expected string.
    if (!issuerMatches(expected, as.issuer)) throw mismatch(authority, as.issuer)
    return Object.freeze(as)
  }
}

/**
 * A discovery request the provider answered with its own OAuth error (Entra, and the dev IdP,
 * answer an unknown tenant with `invalid_tenant`, AADSTS90002): that error, kept whole, instead of
 * oauth4webapi's "not a conform Authorization Server Metadata response". Returns when the body is
 * no such error, for oauth4webapi to refuse the response its own way.
 */
async function refuseWithProviderError(authority: Authority, response: Response): Promise<void> {
  let body: unknown
  try {
    body = await response.clone().json()
  } catch {
    return
  }
  if (
    !body ||
    typeof body !== 'object' ||
    typeof (body as { error?: unknown }).error !== 'string'
  ) {
    return
  }
  const fields = protocolFields(body as Record<string, unknown>)
  throw new ProtocolError(
    fields,
    `Discovery at ${authority.discoveryUrl} was refused (HTTP ${response.status}): ${describeProviderError(fields).replace(/\.$/, '')}. Check the configured instance and tenant (or authority).`,
    { code: 'IDW_DISCOVERY_FAILED' },
  )
}

function mismatch(authority: Authority, stated: string | undefined): IdwebError {
  return new IdwebError(
    'IDW_DISCOVERY_FAILED',
    `The discovery document of ${authority.authority} names issuer ${stated ?? '(none)'}, but ${authority.expectedIssuer.value} was expected: check the configured instance, tenant or authority.`,
  )
}

async function peekIssuer(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json()
    if (body && typeof body === 'object' && 'issuer' in body && typeof body.issuer === 'string') {
      return body.issuer
    }
  } catch {
    // processDiscoveryResponse reports the malformed body.
  }
  return undefined
}

function statedIssuer(err: oauth.OperationProcessingError): string | undefined {
  const cause: unknown = err.cause
  if (cause && typeof cause === 'object' && 'body' in cause) {
    const body: unknown = cause.body
    if (body && typeof body === 'object' && 'issuer' in body && typeof body.issuer === 'string') {
      return body.issuer
    }
  }
  return undefined
}
