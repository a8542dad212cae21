import { DevIdpError } from '../errors.ts'
import { type OptionalClaimToken, supportedOptionalClaims } from './optional-claims.ts'
import type {
  AppRegistration,
  Directory,
  FederatedIdentityCredential,
  GroupMembershipClaims,
  ManagedIdentityRecord,
  OptionalClaim,
  OptionalClaims,
  TenantRecord,
  UserRecord,
} from './types.ts'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function fail(path: string, message: string): never {
  throw new DevIdpError('DEV_IDP_DIRECTORY_INVALID', `directory ${path}: ${message}`)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function str(obj: Record<string, unknown>, key: string, path: string): string {
  const value = obj[key]
  if (typeof value !== 'string' || value.length === 0) fail(`${path}.${key}`, 'must be a string')
  return value
}

function guid(obj: Record<string, unknown>, key: string, path: string): string {
  const value = str(obj, key, path)
  if (!GUID.test(value)) fail(`${path}.${key}`, `"${value}" is not a GUID`)
  return value.toLowerCase()
}

function strings(obj: Record<string, unknown>, key: string, path: string): string[] | undefined {
  const value = obj[key]
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    fail(`${path}.${key}`, 'must be an array of strings')
  }
  return value as string[]
}

function absoluteUrl(value: string, path: string): void {
  if (!URL.canParse(value)) fail(path, `"${value}" is not an absolute URL`)
}

function checkTenant(value: unknown, path: string): TenantRecord {
  if (!isObject(value)) fail(path, 'must be an object')
  const domains = strings(value, 'domains', path) ?? []
  return {
    id: guid(value, 'id', path),
    displayName: str(value, 'displayName', path),
    domains: domains.map((d) => d.toLowerCase()),
  }
}

function checkUser(value: unknown, path: string): UserRecord {
  if (!isObject(value)) fail(path, 'must be an object')
  const roles = value.roles
  if (roles !== undefined) {
    if (!isObject(roles)) fail(`${path}.roles`, 'must map app ids to arrays of role values')
    for (const key of Object.keys(roles)) strings(roles, key, `${path}.roles`)
  }
  return {
    ...(value as unknown as UserRecord),
    oid: guid(value, 'oid', path),
    tenant: str(value, 'tenant', path),
    name: str(value, 'name', path),
    preferredUsername: str(value, 'preferredUsername', path),
    password: str(value, 'password', path),
    groups: strings(value, 'groups', path) ?? [],
  }
}

function checkOptionalClaim(
  entry: unknown,
  path: string,
  token: OptionalClaimToken | 'saml2Token',
): OptionalClaim {
  if (!isObject(entry)) fail(path, 'must be an object like { "name": "given_name" }')
  const name = str(entry, 'name', path)
  if (token !== 'saml2Token' && !supportedOptionalClaims[token].includes(name)) {
    const supported = supportedOptionalClaims[token].join(', ')
    fail(`${path}.name`, `"${name}" is not an optional ${token} claim (supported: ${supported})`)
  }
  if (entry.source != null && typeof entry.source !== 'string') {
    fail(`${path}.source`, 'must be a string or null')
  }
  if (entry.essential !== undefined && typeof entry.essential !== 'boolean') {
    fail(`${path}.essential`, 'must be true or false')
  }
  strings(entry, 'additionalProperties', path)
  return { ...(entry as unknown as OptionalClaim), name }
}

/** Entra's manifest `optionalClaims`: `idToken`, `accessToken` (and `saml2Token`, ignored). */
function checkOptionalClaims(value: unknown, path: string): OptionalClaims | undefined {
  if (value == null) return undefined
  if (!isObject(value)) fail(path, 'must be an object with "idToken" and/or "accessToken" arrays')
  const tokens = ['idToken', 'accessToken', 'saml2Token'] as const
  const unknown = Object.keys(value).find((k) => !(tokens as readonly string[]).includes(k))
  if (unknown) fail(`${path}.${unknown}`, 'is not a token type: use "idToken" or "accessToken"')
  const result: OptionalClaims = {}
  for (const token of tokens) {
    const list = value[token]
    if (list == null) continue
    if (!Array.isArray(list)) fail(`${path}.${token}`, 'must be an array of { "name": … } entries')
    result[token] = list.map((c, i) => checkOptionalClaim(c, `${path}.${token}[${i}]`, token))
  }
  return result
}

const MEMBERSHIP: readonly GroupMembershipClaims[] = ['None', 'SecurityGroup', 'All']

function checkGroupMembership(value: unknown, path: string): GroupMembershipClaims | undefined {
  if (value == null) return undefined
  if (!MEMBERSHIP.includes(value as GroupMembershipClaims)) {
    fail(path, `must be "None", "SecurityGroup" or "All" (got ${JSON.stringify(value)})`)
  }
  return value as GroupMembershipClaims
}

function checkApp(value: unknown, path: string): AppRegistration {
  if (!isObject(value)) fail(path, 'must be an object')
  const audience = value.signInAudience ?? 'AzureADMyOrg'
  if (audience !== 'AzureADMyOrg' && audience !== 'AzureADMultipleOrgs') {
    fail(`${path}.signInAudience`, 'must be "AzureADMyOrg" or "AzureADMultipleOrgs"')
  }
  for (const key of ['redirectUris', 'postLogoutRedirectUris', 'identifierUris'] as const) {
    for (const [i, uri] of (strings(value, key, path) ?? []).entries()) {
      absoluteUrl(uri, `${path}.${key}[${i}]`)
    }
  }
  for (const key of ['backchannelLogoutUri', 'frontchannelLogoutUri'] as const) {
    const uri = value[key]
    if (uri === undefined) continue
    if (typeof uri !== 'string') fail(`${path}.${key}`, 'must be a string')
    absoluteUrl(uri, `${path}.${key}`)
  }
  for (const key of [
    'secrets',
    'certificates',
    'scopes',
    'adminConsentedScopes',
    'requiredScopes',
  ] as const) {
    strings(value, key, path)
  }
  for (const [i, id] of (strings(value, 'knownClientApplications', path) ?? []).entries()) {
    if (!GUID.test(id)) fail(`${path}.knownClientApplications[${i}]`, `"${id}" is not a GUID`)
  }
  const app = value as unknown as AppRegistration
  for (const [i, cert] of (app.certificates ?? []).entries()) {
    if (!cert.includes('-----BEGIN')) fail(`${path}.certificates[${i}]`, 'must be PEM')
  }
  const federated = checkFederatedCredentials(
    value.federatedIdentityCredentials,
    `${path}.federatedIdentityCredentials`,
  )
  if (!app.publicClient && !app.secrets?.length && !app.certificates?.length && !federated) {
    fail(
      path,
      'a confidential client needs "secrets", "certificates" or "federatedIdentityCredentials" (or set "publicClient")',
    )
  }
  const optionalClaims = checkOptionalClaims(value.optionalClaims, `${path}.optionalClaims`)
  const membership = checkGroupMembership(
    value.groupMembershipClaims,
    `${path}.groupMembershipClaims`,
  )
  return {
    ...app,
    optionalClaims,
    groupMembershipClaims: membership,
    federatedIdentityCredentials: federated,
    appId: guid(value, 'appId', path),
    displayName: str(value, 'displayName', path),
    homeTenant: str(value, 'homeTenant', path),
    signInAudience: audience,
  }
}

/** Entra's federated identity credentials: `name`, `issuer`, `subject`, `audiences`. */
function checkFederatedCredentials(
  value: unknown,
  path: string,
): FederatedIdentityCredential[] | undefined {
  if (value == null) return undefined
  if (!Array.isArray(value)) fail(path, 'must be an array')
  const names = new Set<string>()
  const list = value.map((entry, i): FederatedIdentityCredential => {
    const at = `${path}[${i}]`
    if (!isObject(entry)) fail(at, 'must be an object with name, issuer, subject and audiences')
    const name = str(entry, 'name', at)
    if (names.has(name)) fail(`${at}.name`, `"${name}" is used twice`)
    names.add(name)
    const issuer = str(entry, 'issuer', at)
    absoluteUrl(issuer.replace('{origin}', 'http://localhost'), `${at}.issuer`)
    const audiences = strings(entry, 'audiences', at) ?? ['api://AzureADTokenExchange']
    if (audiences.length === 0) fail(`${at}.audiences`, 'needs at least one audience')
    return {
      ...(entry as unknown as FederatedIdentityCredential),
      name,
      issuer,
      audiences,
      subject: str(entry, 'subject', at),
    }
  })
  return list.length > 0 ? list : undefined
}

function checkManagedIdentity(value: unknown, path: string): ManagedIdentityRecord {
  if (!isObject(value)) fail(path, 'must be an object')
  const type = value.type ?? 'UserAssigned'
  if (type !== 'SystemAssigned' && type !== 'UserAssigned') {
    fail(`${path}.type`, 'must be "SystemAssigned" or "UserAssigned"')
  }
  if (value.resourceId !== undefined) str(value, 'resourceId', path)
  return {
    ...(value as unknown as ManagedIdentityRecord),
    clientId: guid(value, 'clientId', path),
    principalId: guid(value, 'principalId', path),
    tenant: str(value, 'tenant', path),
    displayName: str(value, 'displayName', path),
    type,
  }
}

/**
 * Checks a parsed directory and returns a normalized copy (GUIDs lower-cased, defaults filled).
 * Throws a `DEV_IDP_DIRECTORY_INVALID` error that names the offending entry.
 */
export function validateDirectory(input: unknown): Directory {
  if (!isObject(input)) fail('(root)', 'must be a JSON object with tenants, users and apps')
  const list = (key: string): unknown[] => {
    const value = input[key]
    if (!Array.isArray(value)) fail(key, 'must be an array')
    return value
  }
  const tenants = list('tenants').map((t, i) => checkTenant(t, `tenants[${i}]`))
  if (tenants.length === 0) fail('tenants', 'needs at least one tenant')
  const users = list('users').map((u, i) => checkUser(u, `users[${i}]`))
  const apps = list('apps').map((a, i) => checkApp(a, `apps[${i}]`))
  const identities = input.managedIdentities ?? []
  if (!Array.isArray(identities)) fail('managedIdentities', 'must be an array')
  const managedIdentities = identities.map((m, i) =>
    checkManagedIdentity(m, `managedIdentities[${i}]`),
  )
  if (managedIdentities.filter((m) => m.type === 'SystemAssigned').length > 1) {
    fail('managedIdentities', 'at most one identity can be "SystemAssigned"')
  }
  return { tenants, users, apps, managedIdentities }
}
