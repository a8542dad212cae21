import { type AsymmetricAlgorithm, isAsymmetricAlgorithm } from '../algorithms.ts'
import { ConfigError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { type FetchLike, isAllowedMetadataUrl } from './limited-fetch.ts'

export type { AsymmetricAlgorithm }

/**
 * The algorithms accepted when `algorithms` is not set (RSA, RSA-PSS and ECDSA).
 *
 * @example
 * ```ts
 * createBearerValidator({ ...options, algorithms: [...DEFAULT_ALGORITHMS, 'EdDSA'] })
 * ```
 */
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
])

/** The `{tenantid}` placeholder of Entra's multi-tenant issuer template. */
export const TENANT_PLACEHOLDER = '{tenantid}'
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Options of {@link createBearerValidator}. Give the keys with `jwksUri` (then `issuer` is
 * required) or `discoveryUrl` (then `issuer` defaults to the discovery document's and, when set,
 * must equal it).
 *
 * @example
 * ```ts
 * const options: BearerValidatorOptions = {
 *   discoveryUrl: 'https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration',
 *   issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
 *   allowedTenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
 *   clientId: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
 *   requiredScopes: ['access_as_user'],
 * }
 * ```
 */
export interface BearerValidatorOptions {
  /**
   * The accepted issuer(s), compared exactly. An issuer containing `{tenantid}` is an Entra
   * multi-tenant template: it is filled from the token's `tid` (a GUID) and then compared exactly.
   * To accept Entra v1.0 tokens as well, add `https://sts.windows.net/{tenantid}/`.
   */
  issuer?: string | readonly string[]
  /** Tenant ids (GUIDs) whose tokens are accepted; the token's `tid` must be one of them. */
  allowedTenants?: readonly string[]
  /** The API's application (client) id; the default audiences are it and `api://{clientId}`. */
  clientId?: string
  /** The accepted audience(s). Overrides the defaults derived from `clientId`. */
  audience?: string | readonly string[]
  /** The issuer's JSON Web Key Set URL. */
  jwksUri?: string
  /** The issuer's OpenID Connect discovery document URL; read once for `jwks_uri` and `issuer`. */
  discoveryUrl?: string
  /** Accepted signature algorithms. Default {@link DEFAULT_ALGORITHMS}; `none` and HS* refused. */
  algorithms?: readonly AsymmetricAlgorithm[]
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default 300, as Microsoft.IdentityModel. */
  clockToleranceSeconds?: number
  /** Every token must carry at least one of these delegated scopes (`scp`)... */
  requiredScopes?: readonly string[]
  /** ...or, when set, at least one of these app roles (`roles`). */
  requiredRoles?: readonly string[]
  /** Client application ids (`azp`/`appid`) allowed to call; default any. */
  allowedClientApps?: readonly string[]
  /**
   * Accept tokens carrying neither `scp` nor `roles` (authorization by ACL). Default `false`, as
   * Microsoft.Identity.Web: such a token is typically an ID token, not an access token.
   */
  allowTokensWithoutScopesOrRoles?: boolean
  /** Longest accepted token, in characters, checked before any parsing. Default 16384. */
  maxTokenLength?: number
  /** How long fetched keys are used before a refetch, in ms. Default 600000 (10 minutes). */
  jwksCacheMaxAgeMs?: number
  /** After a fetch, an unknown `kid` triggers no refetch for this long, in ms. Default 30000. */
  jwksCooldownMs?: number
  /** Timeout of each discovery or JWKS request, in ms. Default 5000. */
  httpTimeoutMs?: number
  /** Largest accepted JWKS or discovery response, in bytes. Default 524288. */
  maxJwksBytes?: number
  /** Most keys accepted in a JWKS. Default 100. */
  maxJwksKeys?: number
  /** The clock for lifetime checks, in epoch milliseconds. Default `Date.now`. */
  now?: () => number
  /** The `fetch` used for discovery and JWKS requests. Default `globalThis.fetch`. */
  fetch?: FetchLike
  /** Where diagnostics go (never tokens or secrets); default: no logging. */
  logger?: Logger
}

/** Options after validation: every default filled in, frozen. */
export interface ResolvedOptions {
  readonly issuers: readonly string[] | undefined
  readonly allowedTenants: ReadonlySet<string> | undefined
  readonly audiences: readonly string[]
  readonly jwksUri: URL | undefined
  readonly discoveryUrl: URL | undefined
  readonly algorithms: readonly AsymmetricAlgorithm[]
  readonly clockToleranceSeconds: number
  readonly requiredScopes: readonly string[]
  readonly requiredRoles: readonly string[]
  readonly allowedClientApps: ReadonlySet<string> | undefined
  readonly allowTokensWithoutScopesOrRoles: boolean
  readonly maxTokenLength: number
  readonly jwksCacheMaxAgeMs: number
  readonly jwksCooldownMs: number
  readonly httpTimeoutMs: number
  readonly maxJwksBytes: number
  readonly maxJwksKeys: number
  readonly now: () => number
  readonly fetch: FetchLike
  readonly logger: Logger
}

/**
 * Validates {@link BearerValidatorOptions} once, at startup, and freezes the result.
 *
 * @throws {ConfigError} naming the setting that is missing or unsafe.
 *
 * @example
 * ```ts
 * const resolved = resolveOptions({ jwksUri, issuer, clientId })
 * ```
 */
export function resolveOptions(options: BearerValidatorOptions): ResolvedOptions {
  const jwksUri = optionalUrl('jwksUri', options.jwksUri)
  const discoveryUrl = optionalUrl('discoveryUrl', options.discoveryUrl)
  if (jwksUri && discoveryUrl) {
    throw new ConfigError('discoveryUrl', 'give either `jwksUri` or `discoveryUrl`, not both')
  }
  if (!jwksUri && !discoveryUrl) {
    throw new ConfigError(
      'jwksUri',
      "is missing: set `jwksUri` to the issuer's JWKS URL, or `discoveryUrl` to its OpenID configuration",
    )
  }
  const issuers = options.issuer === undefined ? undefined : resolveIssuers(options.issuer)
  if (jwksUri && !issuers) {
    throw new ConfigError('issuer', 'is missing: with `jwksUri`, set the exact issuer tokens carry')
  }
  return Object.freeze({
    issuers,
    allowedTenants: options.allowedTenants && resolveTenants(options.allowedTenants),
    audiences: resolveAudiences(options),
    jwksUri,
    discoveryUrl,
    algorithms: resolveAlgorithms(options.algorithms),
    clockToleranceSeconds: integer(
      'clockToleranceSeconds',
      options.clockToleranceSeconds,
      300,
      0,
      3600,
    ),
    requiredScopes: strings('requiredScopes', options.requiredScopes ?? []),
    requiredRoles: strings('requiredRoles', options.requiredRoles ?? []),
    allowedClientApps: options.allowedClientApps
      ? new Set(strings('allowedClientApps', options.allowedClientApps))
      : undefined,
    allowTokensWithoutScopesOrRoles: options.allowTokensWithoutScopesOrRoles === true,
    maxTokenLength: integer('maxTokenLength', options.maxTokenLength, 16_384, 256, 1_048_576),
    jwksCacheMaxAgeMs: integer(
      'jwksCacheMaxAgeMs',
      options.jwksCacheMaxAgeMs,
      600_000,
      0,
      86_400_000,
    ),
    jwksCooldownMs: integer('jwksCooldownMs', options.jwksCooldownMs, 30_000, 0, 86_400_000),
    httpTimeoutMs: integer('httpTimeoutMs', options.httpTimeoutMs, 5_000, 1, 120_000),
    maxJwksBytes: integer('maxJwksBytes', options.maxJwksBytes, 524_288, 1_024, 16_777_216),
    maxJwksKeys: integer('maxJwksKeys', options.maxJwksKeys, 100, 1, 10_000),
    now: options.now ?? Date.now,
    fetch: options.fetch ?? defaultFetch,
    logger: options.logger ?? silentLogger,
  })
}

const defaultFetch: FetchLike = (input, init) => fetch(input, init)

function optionalUrl(key: string, value: string | undefined): URL | undefined {
  if (value === undefined) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch (cause) {
    throw new ConfigError(key, 'is not an absolute URL', { cause })
  }
  if (!isAllowedMetadataUrl(url)) {
    throw new ConfigError(key, 'must be an https: URL (plain http: is allowed on loopback only)')
  }
  return url
}

function resolveIssuers(value: string | readonly string[]): readonly string[] {
  const list = typeof value === 'string' ? [value] : [...value]
  if (list.length === 0) throw new ConfigError('issuer', 'is an empty list')
  return Object.freeze(
    list.map((issuer) => {
      if (typeof issuer !== 'string' || issuer.length === 0) {
        throw new ConfigError('issuer', 'must be a non-empty string')
      }
      const normalized = issuer.replace(/\{tenantid\}/gi, TENANT_PLACEHOLDER)
      if (normalized.split(TENANT_PLACEHOLDER).length > 2) {
        throw new ConfigError('issuer', `"${issuer}" holds more than one {tenantid} placeholder`)
      }
      const sample = normalized.replace(TENANT_PLACEHOLDER, '00000000-0000-0000-0000-000000000000')
      optionalUrl('issuer', sample)
      return normalized
    }),
  )
}

function resolveTenants(value: readonly string[]): ReadonlySet<string> {
  return new Set(
    value.map((tenant) => {
      if (typeof tenant !== 'string' || !GUID.test(tenant)) {
        throw new ConfigError('allowedTenants', `"${String(tenant)}" is not a tenant id (GUID)`)
      }
      return tenant.toLowerCase()
    }),
  )
}

function resolveAudiences(options: BearerValidatorOptions): readonly string[] {
  if (options.audience !== undefined) {
    const list = strings(
      'audience',
      typeof options.audience === 'string' ? [options.audience] : options.audience,
    )
    if (list.length === 0) throw new ConfigError('audience', 'is an empty list')
    return list
  }
  if (options.clientId === undefined) {
    throw new ConfigError(
      'clientId',
      "is missing: set the API's application (client) id, or `audience` to the accepted audiences",
    )
  }
  const [clientId] = strings('clientId', [options.clientId])
  return Object.freeze([clientId!, `api://${clientId}`])
}

function resolveAlgorithms(value: readonly string[] | undefined): readonly AsymmetricAlgorithm[] {
  if (value === undefined) return DEFAULT_ALGORITHMS
  if (value.length === 0) throw new ConfigError('algorithms', 'is an empty list')
  for (const alg of value) {
    if (typeof alg === 'string' && (alg.toLowerCase() === 'none' || /^HS/i.test(alg))) {
      throw new ConfigError(
        'algorithms',
        `"${alg}" is refused: a protected API accepts asymmetric signatures only (RS*, PS*, ES*)`,
      )
    }
    if (!isAsymmetricAlgorithm(alg)) {
      throw new ConfigError('algorithms', `"${String(alg)}" is not a supported signature algorithm`)
    }
  }
  return Object.freeze([...new Set(value)] as AsymmetricAlgorithm[])
}

function strings(key: string, value: readonly string[]): readonly string[] {
  if (!Array.isArray(value)) throw new ConfigError(key, 'must be a list of strings')
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0 || /\s/.test(item)) {
      throw new ConfigError(key, 'must hold non-empty strings without spaces')
    }
  }
  return Object.freeze([...value])
}

function integer(
  key: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `must be an integer from ${min} to ${max}`)
  }
  return value
}
