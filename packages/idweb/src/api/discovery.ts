import { isAllowedMetadataUrl, readJsonLimited } from './limited-fetch.ts'
import { type ResolvedOptions, TENANT_PLACEHOLDER } from './options.ts'

/** What a protected API takes from a discovery document. */
export interface DiscoveredIssuer {
  /** The issuers to accept: the configured ones, or the document's own. */
  readonly issuers: readonly string[]
  readonly jwksUri: URL
}

/**
 * Fetches an OpenID Connect discovery document (size- and time-bounded, no redirects) and returns
 * its `jwks_uri` and issuer. When issuers are configured, the document's `issuer` must be one of
 * them exactly (Entra's multi-tenant documents carry the `{tenantid}` template, which matches a
 * configured template).
 *
 * @throws {Error} on a network failure, a non-200 answer, an oversized or malformed document, a
 *   non-https `jwks_uri`, or an issuer other than the configured one.
 *
 * @example
 * ```ts
 * const { issuers, jwksUri } = await discoverIssuer(new URL(discoveryUrl), resolved)
 * ```
 */
export async function discoverIssuer(
  url: URL,
  options: ResolvedOptions,
): Promise<DiscoveredIssuer> {
  const response = await options.fetch(url.href, {
    method: 'GET',
    redirect: 'error',
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(options.httpTimeoutMs),
  })
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {})
    throw new Error(`the discovery document answered ${response.status}`)
  }
  const document = await readJsonLimited(response, options.maxJwksBytes)
  if (typeof document !== 'object' || document === null) {
    throw new Error('the discovery document is not a JSON object')
  }
  const { issuer, jwks_uri: jwksUri } = document as { issuer?: unknown; jwks_uri?: unknown }
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw new Error('the discovery document has no issuer')
  }
  if (typeof jwksUri !== 'string') throw new Error('the discovery document has no jwks_uri')
  const keysUrl = new URL(jwksUri)
  if (!isAllowedMetadataUrl(keysUrl)) throw new Error('the discovery jwks_uri is not https')
  const normalized = issuer.replace(/\{tenantid\}/gi, TENANT_PLACEHOLDER)
  if (options.issuers) {
    if (!options.issuers.includes(normalized)) {
      throw new Error(
        `the discovery document names issuer "${issuer}", not the configured ${options.issuers.join(', ')}`,
      )
    }
    return { issuers: options.issuers, jwksUri: keysUrl }
  }
  if (!isAllowedMetadataUrl(new URL(normalized.replace(TENANT_PLACEHOLDER, 'tenant')))) {
    throw new Error('the discovery issuer is not an https URL')
  }
  return { issuers: Object.freeze([normalized]), jwksUri: keysUrl }
}
