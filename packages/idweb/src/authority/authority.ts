import { ConfigError } from '../errors.ts'
import { findEntraCloud } from './clouds.ts'
import { MSA_TENANT_ID, type TenantKind, tenantKind } from './tenant.ts'

/** Which family of provider an authority belongs to. */
export type AuthorityKind = 'entra' | 'b2c' | 'ciam' | 'oidc'

/**
 * What the `issuer` of the discovery document must be.
 *
 * - `exact`: this string, character for character (after URL normalization by oauth4webapi).
 * - `template`: Entra's multi-tenant issuer containing the literal `{tenantid}`.
 * - `pattern`: the authority names the tenant by domain, so its GUID is only known from
 *   discovery; `{guid}` stands for one tenant GUID, the same one wherever it repeats.
 */
export type ExpectedIssuer =
  | {
      /** The issuer must equal `value`. */
      readonly kind: 'exact'
      /** The issuer itself. */
      readonly value: string
    }
  | {
      /** `value` holds `{tenantid}`, to be replaced by the token's `tid` (multi-tenant Entra). */
      readonly kind: 'template'
      /** The issuer, with a `{tenantid}` placeholder. */
      readonly value: string
    }
  | {
      /** `value` holds `{guid}` placeholders, each any tenant GUID (tenant named by domain). */
      readonly kind: 'pattern'
      /** The issuer, with `{guid}` placeholders. */
      readonly value: string
    }

/**
 * A parsed, canonical authority: where to discover the provider and what its issuer must be.
 *
 * @example
 * ```ts
 * const a = entraAuthority('https://login.microsoftonline.com/', 'organizations')
 * a.discoveryUrl // 'https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration'
 * a.isMultiTenant // true
 * ```
 */
export interface Authority {
  /** Entra, Azure AD B2C, or any other OpenID Connect provider. */
  readonly kind: AuthorityKind
  /** Origin plus path prefix, always ending in `/`, e.g. `https://login.microsoftonline.com/`. */
  readonly instance: string
  /** The tenant as configured (lower-cased): GUID, domain, `common`, ...; B2C: the domain. */
  readonly tenant: string | undefined
  /** What the configured tenant is (a GUID, a domain, or `common`/`organizations`/`consumers`); `undefined` outside Entra. */
  readonly tenantKind: TenantKind | undefined
  /** B2C user flow (policy), e.g. `B2C_1_susi`. */
  readonly policy: string | undefined
  /** True for `common` and `organizations`: the issuer is a `{tenantid}` template. */
  readonly isMultiTenant: boolean
  /** Canonical authority URL, e.g. `https://login.microsoftonline.com/common/v2.0`. */
  readonly authority: string
  /** The OpenID Connect discovery document URL. */
  readonly discoveryUrl: string
  /** Host recorded as the MSAL cache `environment` (e.g. `login.windows.net`). */
  readonly environment: string
  /** What the discovery `issuer` must be. */
  readonly expectedIssuer: ExpectedIssuer
}

/** Where an authority value came from, for error messages (`AzureAd.Instance`, `authority`). */
export interface AuthorityKeyNames {
  readonly instance?: string
  readonly tenant?: string
  readonly authority?: string
  readonly domain?: string
  readonly policy?: string
}

const WELL_KNOWN = '.well-known/openid-configuration'

function parseUrl(value: string, key: string, example: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(key, `"${value}" is not an absolute URL. Use the form ${example}.`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(key, `must be an https URL such as ${example}, not ${url.protocol}.`)
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      key,
      `must not contain a query, a fragment or credentials. Use the form ${example}.`,
    )
  }
  return url
}

function instanceBase(url: URL): string {
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`
  return `${url.protocol}//${url.host}${path}`
}

function discoveryUrlOf(authority: string): string {
  return authority.endsWith('/') ? `${authority}${WELL_KNOWN}` : `${authority}/${WELL_KNOWN}`
}

function freezeAuthority(a: Authority): Authority {
  Object.freeze(a.expectedIssuer)
  return Object.freeze(a)
}

/**
 * The authority of a Microsoft Entra workforce tenant (`login.microsoftonline.com` and the national
 * clouds), of an External ID tenant (`*.ciamlogin.com`), or of any origin that serves the same path
 * shapes, such as the dev IdP (`http://127.0.0.1:4000/`).
 *
 * Known cloud aliases are normalized to the host that issues tokens (`login.windows.net` becomes
 * `login.microsoftonline.com`). Whether `http:` is acceptable is decided by the configuration
 * layer, not here.
 *
 * @throws ConfigError when the instance is not a URL or the tenant is malformed.
 * @example
 * ```ts
 * entraAuthority('https://login.microsoftonline.us/', '72f988bf-86f1-41af-91ab-2d7cd011db47')
 * entraAuthority('http://127.0.0.1:4000/', 'common')
 * entraAuthority('https://contoso.ciamlogin.com/', 'contoso.onmicrosoft.com') // kind 'ciam'
 * ```
 */
export function entraAuthority(
  instance: string,
  tenant: string,
  keys: AuthorityKeyNames = {},
): Authority {
  const instanceKey = keys.instance ?? 'instance'
  const tenantKey = keys.tenant ?? 'tenantId'
  const url = parseUrl(instance, instanceKey, 'https://login.microsoftonline.com/')
  const host = url.hostname.toLowerCase()
  if (host.endsWith('.b2clogin.com')) {
    throw new ConfigError(
      instanceKey,
      'is an Azure AD B2C instance: also set SignUpSignInPolicyId and Domain (the B2C user flow and tenant domain).',
    )
  }
  const kind = tenantKind(tenant)
  if (kind === undefined) {
    throw new ConfigError(
      tenantKey,
      `"${tenant}" is not a tenant. Use the Directory (tenant) ID GUID, a domain such as contoso.onmicrosoft.com, or common, organizations or consumers.`,
    )
  }
  const t = tenant.toLowerCase()
  const isCiam = host.endsWith('.ciamlogin.com')
  if (isCiam && kind !== 'guid' && kind !== 'domain') {
    throw new ConfigError(
      tenantKey,
      `"${tenant}" cannot be used with External ID (ciamlogin.com): use the tenant GUID or its domain.`,
    )
  }
  const cloud = findEntraCloud(host)
  if (cloud) url.hostname = cloud.network
  const base = instanceBase(url)
  const authority = `${base}${t}/v2.0`
  let expectedIssuer: ExpectedIssuer
  if (isCiam) {
    expectedIssuer =
      kind === 'guid'
        ? { kind: 'exact', value: `https://${t}.ciamlogin.com/${t}/v2.0` }
        : { kind: 'pattern', value: 'https://{guid}.ciamlogin.com/{guid}/v2.0' }
  } else if (kind === 'common' || kind === 'organizations') {
    expectedIssuer = { kind: 'template', value: `${base}{tenantid}/v2.0` }
  } else if (kind === 'consumers') {
    expectedIssuer = { kind: 'exact', value: `${base}${MSA_TENANT_ID}/v2.0` }
  } else if (kind === 'guid') {
    expectedIssuer = { kind: 'exact', value: authority }
  } else {
    expectedIssuer = { kind: 'pattern', value: `${base}{guid}/v2.0` }
  }
  return freezeAuthority({
    kind: isCiam ? 'ciam' : 'entra',
    instance: base,
    tenant: t,
    tenantKind: kind,
    policy: undefined,
    isMultiTenant: kind === 'common' || kind === 'organizations',
    authority,
    discoveryUrl: discoveryUrlOf(authority),
    environment: cloud ? cloud.cache : url.host,
    expectedIssuer,
  })
}

const POLICY = /^[A-Za-z0-9_.-]{1,128}$/

/**
 * The authority of an Azure AD B2C user flow:
 * `https://{tenant}.b2clogin.com/{tenant}.onmicrosoft.com/{policy}/v2.0`.
 *
 * B2C issuers are `https://{host}/{tenant GUID}/v2.0/` (with the trailing slash); when the tenant
 * is named by domain, the GUID is learned from discovery.
 *
 * @example
 * ```ts
 * b2cAuthority('https://contoso.b2clogin.com/', 'contoso.onmicrosoft.com', 'B2C_1_susi')
 * ```
 */
export function b2cAuthority(
  instance: string,
  domain: string,
  policy: string,
  keys: AuthorityKeyNames = {},
): Authority {
  const url = parseUrl(instance, keys.instance ?? 'instance', 'https://contoso.b2clogin.com/')
  const kind = tenantKind(domain)
  if (kind !== 'domain' && kind !== 'guid') {
    throw new ConfigError(
      keys.domain ?? 'domain',
      `"${domain}" is not a B2C tenant: use its domain, e.g. contoso.onmicrosoft.com.`,
    )
  }
  if (!POLICY.test(policy)) {
    throw new ConfigError(
      keys.policy ?? 'signUpSignInPolicyId',
      `"${policy}" is not a user flow name: use the name shown in the B2C portal, e.g. B2C_1_susi.`,
    )
  }
  const base = instanceBase(url)
  const d = domain.toLowerCase()
  const authority = `${base}${d}/${policy}/v2.0`
  const origin = `${url.protocol}//${url.host}/`
  return freezeAuthority({
    kind: 'b2c',
    instance: base,
    tenant: d,
    tenantKind: kind,
    policy,
    isMultiTenant: false,
    authority,
    discoveryUrl: discoveryUrlOf(authority),
    environment: url.host,
    expectedIssuer:
      kind === 'guid'
        ? { kind: 'exact', value: `${origin}${d}/v2.0/` }
        : { kind: 'pattern', value: `${origin}{guid}/v2.0/` },
  })
}

/**
 * A generic OpenID Connect provider, named by its issuer identifier. The discovery document must
 * state exactly this issuer.
 *
 * @example
 * ```ts
 * oidcAuthority('https://accounts.example/').discoveryUrl
 * // 'https://accounts.example/.well-known/openid-configuration'
 * ```
 */
export function oidcAuthority(issuer: string, keys: AuthorityKeyNames = {}): Authority {
  const url = parseUrl(issuer, keys.authority ?? 'authority', 'https://accounts.example/')
  return freezeAuthority({
    kind: 'oidc',
    instance: `${url.protocol}//${url.host}/`,
    tenant: undefined,
    tenantKind: undefined,
    policy: undefined,
    isMultiTenant: false,
    authority: issuer,
    discoveryUrl: discoveryUrlOf(issuer),
    environment: url.host,
    expectedIssuer: { kind: 'exact', value: issuer },
  })
}

const B2C_POLICY_SEGMENT = /^b2c_1a?_/i

/**
 * Parses a full authority URL and picks its kind: B2C (`*.b2clogin.com`, or a `B2C_1_` policy
 * segment), External ID (`*.ciamlogin.com`), Entra (a known Entra host, or any host whose path
 * ends in `/{tenant}/v2.0`), otherwise a generic OpenID Connect issuer.
 *
 * @example
 * ```ts
 * parseAuthority('https://login.microsoftonline.com/common/v2.0').kind // 'entra'
 * parseAuthority('https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/v2.0').policy // 'B2C_1_susi'
 * parseAuthority('https://accounts.example/').kind // 'oidc'
 * ```
 */
export function parseAuthority(value: string, keys: AuthorityKeyNames = {}): Authority {
  const key = keys.authority ?? 'authority'
  const url = parseUrl(value, key, 'https://login.microsoftonline.com/{tenant}/v2.0')
  const host = url.hostname.toLowerCase()
  const segments = url.pathname.split('/').filter((s) => s.length > 0)
  const sub = { instance: key, tenant: key, domain: key, policy: key }
  const origin = `${url.protocol}//${url.host}/`

  const policyAt = segments.findIndex((s) => B2C_POLICY_SEGMENT.test(s))
  if (host.endsWith('.b2clogin.com') || policyAt > 0) {
    const rest = segments.slice(policyAt + 1)
    const [domain, policy] = [segments[policyAt - 1], segments[policyAt]]
    if (policyAt < 1 || !domain || !policy || (rest.length > 0 && rest.join('/') !== 'v2.0')) {
      throw new ConfigError(
        key,
        `"${value}" is not a B2C authority. Use https://{tenant}.b2clogin.com/{tenant}.onmicrosoft.com/{user flow}/v2.0.`,
      )
    }
    const prefix = segments.slice(0, policyAt - 1).join('/')
    return b2cAuthority(`${origin}${prefix ? `${prefix}/` : ''}`, domain, policy, sub)
  }
  if (host.endsWith('.ciamlogin.com')) {
    if (segments[1] !== undefined && (segments[1] !== 'v2.0' || segments.length > 2)) {
      throw new ConfigError(key, `"${value}" is not an External ID authority.`)
    }
    // https://contoso.ciamlogin.com/ names the tenant by its subdomain alone.
    const tenant = segments[0] ?? `${host.slice(0, -'.ciamlogin.com'.length)}.onmicrosoft.com`
    return entraAuthority(origin, tenant, sub)
  }
  const last = segments.at(-1)
  const knownCloud = findEntraCloud(host) !== undefined
  if (knownCloud) {
    const shapeOk =
      (segments.length === 1 && last !== undefined) || (segments.length === 2 && last === 'v2.0')
    if (!shapeOk || segments[0] === undefined) {
      throw new ConfigError(
        key,
        `"${value}" is not an Entra authority. Use ${origin}{tenant}/v2.0 with a tenant GUID, domain, common, organizations or consumers.`,
      )
    }
    return entraAuthority(origin, segments[0], sub)
  }
  const tenant = segments.at(-2)
  if (last === 'v2.0' && tenant !== undefined && tenantKind(tenant) !== undefined) {
    const prefix = segments.slice(0, -2).join('/')
    return entraAuthority(`${origin}${prefix ? `${prefix}/` : ''}`, tenant, sub)
  }
  return oidcAuthority(value, keys)
}
