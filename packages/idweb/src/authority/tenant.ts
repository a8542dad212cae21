import { decodeJwt } from 'jose'

/** How the tenant part of an Entra authority is written. */
export type TenantKind = 'guid' | 'domain' | 'common' | 'organizations' | 'consumers'

/** The tenant id of personal Microsoft accounts: every `consumers` token carries it as `tid`. */
export const MSA_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i

/**
 * Whether `value` is a GUID such as an Entra tenant or object id.
 *
 * @example
 * ```ts
 * isGuid('72f988bf-86f1-41af-91ab-2d7cd011db47') // true
 * ```
 */
export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value)
}

/**
 * Classifies an Entra tenant as written in configuration, or returns `undefined` when it is none
 * of a GUID, a domain name, `common`, `organizations` or `consumers`.
 *
 * @example
 * ```ts
 * tenantKind('contoso.onmicrosoft.com') // 'domain'
 * tenantKind('Common') // 'common'
 * tenantKind('not a tenant') // undefined
 * ```
 */
export function tenantKind(tenant: string): TenantKind | undefined {
  const t = tenant.toLowerCase()
  if (t === 'common' || t === 'organizations' || t === 'consumers') return t
  if (GUID.test(t)) return 'guid'
  if (DOMAIN.test(t)) return 'domain'
  return undefined
}

/** The `tid` of a JWT, unverified (routing only), when it is a tenant id. */
export function tenantOfToken(token: string): string | undefined {
  try {
    const tid = decodeJwt(token).tid
    return typeof tid === 'string' && tenantKind(tid) === 'guid' ? tid : undefined
  } catch {
    return undefined
  }
}
