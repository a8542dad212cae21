import { IdwebError } from '../errors.ts'
import type { Authority, ExpectedIssuer } from './authority.ts'
import { isGuid } from './tenant.ts'

/** The `{tenantid}` placeholder Entra writes in the issuer of its multi-tenant discovery documents. */
export const TENANT_ID_TEMPLATE = '{tenantid}'

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Whether a discovery `issuer` satisfies what the authority expects. `template` and `exact`
 * compare the strings exactly; `pattern` accepts one tenant GUID (the same wherever `{guid}`
 * repeats) and nothing else.
 *
 * @example
 * ```ts
 * issuerMatches({ kind: 'pattern', value: 'https://login.microsoftonline.com/{guid}/v2.0' },
 *   'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0') // true
 * ```
 */
export function issuerMatches(expected: ExpectedIssuer, issuer: string): boolean {
  if (expected.kind !== 'pattern') return issuer === expected.value
  const guid = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'
  let first = true
  const source = expected.value
    .split('{guid}')
    .map(escapeRegExp)
    .reduce((acc, part) => {
      const hole = first ? guid : '\\1'
      first = false
      return `${acc}${hole}${part}`
    })
  return new RegExp(`^${source}$`).test(issuer)
}

/** Options of {@link expectedIssuerFor} and {@link validateIssuer}. */
export interface IssuerValidationOptions {
  /**
   * The `issuer` of the discovery document (possibly a `{tenantid}` template). Defaults to the
   * authority's expected issuer when that is an exact value or a template; required when the
   * authority names its tenant by domain (its GUID is only known from discovery).
   */
  readonly issuer?: string
  /**
   * Tenant GUIDs allowed to sign in (multi-tenant apps). Compared case-insensitively with the
   * token's `tid`. Absent: any tenant.
   */
  readonly allowedTenants?: readonly string[] | undefined
}

/** The claims issuer validation reads. */
export interface IssuerClaims {
  readonly iss?: unknown
  readonly tid?: unknown
}

function reject(message: string): IdwebError {
  return new IdwebError('IDW_ISSUER_INVALID', message)
}

function baseIssuer(authority: Authority, options: IssuerValidationOptions): string {
  if (options.issuer !== undefined) return options.issuer
  if (authority.expectedIssuer.kind !== 'pattern') return authority.expectedIssuer.value
  throw new IdwebError(
    'IDW_DISCOVERY_FAILED',
    `The issuer of ${authority.authority} is only known after discovery: pass the discovery document's issuer.`,
  )
}

/**
 * The exact issuer a token must carry: the discovery issuer, with Entra's `{tenantid}` filled from
 * the token's own `tid` claim for multi-tenant authorities, after checking `tid` against
 * `allowedTenants`. Use it before handing a token response to oauth4webapi, so that oauth4webapi
 * compares `iss` exactly against it (with `{ ...as, issuer: expectedIssuerFor(...) }`).
 *
 * @throws IdwebError `IDW_ISSUER_INVALID` when `tid` is missing, not a GUID, or not allowed.
 * @example
 * ```ts
 * const claims = decodeJwt(idToken) // unverified: only used to pick the issuer to verify against
 * const issuer = expectedIssuerFor(claims, authority, { issuer: as.issuer, allowedTenants })
 * const result = await processAuthorizationCodeResponse({ ...as, issuer }, client, response)
 * ```
 */
export function expectedIssuerFor(
  claims: IssuerClaims,
  authority: Authority,
  options: IssuerValidationOptions = {},
): string {
  const issuer = baseIssuer(authority, options)
  const allowed = options.allowedTenants
  const tid = claims.tid
  if (!issuer.includes(TENANT_ID_TEMPLATE)) {
    if (allowed !== undefined && !tenantAllowed(tid, allowed)) {
      throw reject(`The token's tenant (tid ${describe(tid)}) is not in the allowed tenants.`)
    }
    return issuer
  }
  if (!isGuid(tid)) {
    throw reject(
      `The token has no usable tid claim (${describe(tid)}), so its issuer cannot be checked against ${issuer}.`,
    )
  }
  if (allowed !== undefined && !tenantAllowed(tid, allowed)) {
    throw reject(
      `Tenant ${tid} is not in the allowed tenants: add it to allowedTenants to let it sign in.`,
    )
  }
  return issuer.replace(TENANT_ID_TEMPLATE, tid)
}

/**
 * Validates a token's `iss`. Single-tenant authorities: `iss` must equal the discovery issuer
 * exactly. Multi-tenant Entra authorities (`common`, `organizations`): the `{tenantid}` template is
 * filled from the token's `tid` and compared exactly, so `iss` of tenant X with `tid` Y fails, and
 * so does any one-character or trailing-slash difference. Tenants outside `allowedTenants` fail.
 * Used by the sign-in callback (ID tokens) and by protected APIs (access tokens).
 *
 * @returns the validated issuer.
 * @throws IdwebError `IDW_ISSUER_INVALID`.
 * @example
 * ```ts
 * validateIssuer(claims.iss, claims, authority, { issuer: as.issuer, allowedTenants: [tenantA] })
 * ```
 */
export function validateIssuer(
  iss: unknown,
  claims: IssuerClaims,
  authority: Authority,
  options: IssuerValidationOptions = {},
): string {
  if (typeof iss !== 'string' || iss.length === 0) {
    throw reject('The token has no issuer (iss) claim.')
  }
  const expected = expectedIssuerFor(claims, authority, options)
  if (iss !== expected) {
    throw reject(`The token's issuer ${iss} is not the expected issuer ${expected}.`)
  }
  return iss
}

function tenantAllowed(tid: unknown, allowed: readonly string[]): boolean {
  if (typeof tid !== 'string') return false
  const t = tid.toLowerCase()
  return allowed.some((a) => a.toLowerCase() === t)
}

function describe(value: unknown): string {
  if (value === undefined) return 'absent'
  const s = typeof value === 'string' ? value : JSON.stringify(value)
  return s.length > 60 ? `${s.slice(0, 60)}…` : s
}
