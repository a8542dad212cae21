import {
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from 'jose'
import { BearerError } from './bearer-error.ts'
import { discoverIssuer } from './discovery.ts'
import { ResponseLimitError, readJsonLimited } from './limited-fetch.ts'
import type { ResolvedOptions } from './options.ts'

/** What verification needs from the issuer: its accepted issuer strings and a key resolver. */
export interface IssuerKeys {
  readonly issuers: readonly string[]
  readonly getKey: JWTVerifyGetKey
}

// jose errors that are about the token (its kid/alg), not about the issuer's key endpoint.
const TOKEN_KEY_ERRORS: ReadonlySet<string> = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
])

/**
 * Resolves the issuer's keys: from `jwksUri` directly, or once through discovery (single flight;
 * a failure is remembered for the cooldown so a dead endpoint is not hammered). Keys come from
 * jose's remote JWKS, which caches them, refetches at most once per cooldown for an unknown `kid`,
 * and never looks at `jku`, `x5u` or `jwk` headers. Responses over the size or key-count limits are
 * refused.
 *
 * @example
 * ```ts
 * const source = createKeySource(resolveOptions(options))
 * const { issuers, getKey } = await source()
 * ```
 */
export function createKeySource(options: ResolvedOptions): () => Promise<IssuerKeys> {
  if (options.jwksUri) {
    const ready: IssuerKeys = Object.freeze({
      issuers: options.issuers ?? [],
      getKey: remoteKeys(options.jwksUri, options),
    })
    return () => Promise.resolve(ready)
  }
  const discoveryUrl = options.discoveryUrl!
  let ready: IssuerKeys | undefined
  let pending: Promise<IssuerKeys> | undefined
  let failure: { at: number; error: BearerError } | undefined
  return () => {
    if (ready) return Promise.resolve(ready)
    if (failure && Date.now() - failure.at < options.jwksCooldownMs) {
      return Promise.reject(failure.error)
    }
    pending ??= discoverIssuer(discoveryUrl, options).then(
      (metadata) => {
        ready = Object.freeze({
          issuers: metadata.issuers,
          getKey: remoteKeys(metadata.jwksUri, options),
        })
        pending = undefined
        failure = undefined
        return ready
      },
      (cause: unknown) => {
        pending = undefined
        const error = new BearerError(
          'keys_unavailable',
          "The API could not read its identity provider's metadata. Try again later.",
          { cause },
        )
        failure = { at: Date.now(), error }
        options.logger.error('bearer validation: discovery failed', {
          url: discoveryUrl.href,
          reason: cause instanceof Error ? cause.message : String(cause),
        })
        throw error
      },
    )
    return pending
  }
}

function remoteKeys(url: URL, options: ResolvedOptions): JWTVerifyGetKey {
  const limitedFetch: FetchImplementation = async (href, init) => {
    const response = await options.fetch(href, init)
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {})
      throw new ResponseLimitError(`the JWKS endpoint answered ${response.status}`)
    }
    const json = await readJsonLimited(response, options.maxJwksBytes)
    const keys = (json as { keys?: unknown } | null)?.keys
    if (!Array.isArray(keys)) throw new ResponseLimitError('the JWKS has no "keys" array')
    if (keys.length > options.maxJwksKeys) {
      throw new ResponseLimitError(
        `the JWKS holds ${keys.length} keys, over the ${options.maxJwksKeys}-key limit`,
      )
    }
    return new Response(JSON.stringify(json), { status: 200 })
  }
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: options.jwksCacheMaxAgeMs,
    cooldownDuration: options.jwksCooldownMs,
    timeoutDuration: options.httpTimeoutMs,
    [customFetch]: limitedFetch,
  })
  return async (header, token) => {
    try {
      return await remote(header, token)
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code
      if (typeof code === 'string' && TOKEN_KEY_ERRORS.has(code)) throw err
      options.logger.error('bearer validation: the JWKS could not be fetched', {
        url: url.href,
        reason: err instanceof Error ? err.message : String(err),
      })
      throw new BearerError(
        'keys_unavailable',
        "The API could not fetch its identity provider's signing keys. Try again later.",
        { cause: err },
      )
    }
  }
}
