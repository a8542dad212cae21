import { readFileSync } from 'node:fs'
import type { CredentialDescription } from '../credentials/descriptions.ts'
import { ConfigError } from '../errors.ts'
import { applyEnvOverrides, type ConfigTree, type ConfigValue, findKey } from './env-overrides.ts'
import { parseJsonc } from './jsonc.ts'
import { type AppSettingsSource, appSettingsSource } from './key-names.ts'
import type {
  DownstreamApiOptions,
  IdwebOptions,
  ProviderOptions,
  SessionOptions,
  TokenCacheSettings,
} from './options.ts'

/** Options of {@link loadAppSettings}. */
export interface LoadAppSettingsOptions {
  /** Environment read for `Section__Key` overrides. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** The identity section. Default `AzureAd`. */
  section?: string
}

/** Options loaded from `appsettings.json`; `resolveConfig` names settings in its spelling. */
export type AppSettingsOptions = IdwebOptions & { readonly [appSettingsSource]: AppSettingsSource }

type Kind = 'string' | 'boolean' | 'number' | 'list' | 'strings'
// camelCase option → type. Looked up case-insensitively in the identity section.
const IDENTITY_KEYS: Readonly<Record<string, Kind>> = {
  instance: 'string',
  tenantId: 'string',
  domain: 'string',
  authority: 'string',
  clientId: 'string',
  clientSecret: 'string',
  sendX5c: 'boolean',
  allowPublicClient: 'boolean',
  callbackPath: 'string',
  signedOutCallbackPath: 'string',
  remoteSignOutPath: 'string',
  backchannelLogoutPath: 'string',
  signInPath: 'string',
  signOutPath: 'string',
  postLogoutRedirectUri: 'string',
  responseMode: 'string',
  initialScopes: 'list',
  allowedTenants: 'list',
  clockToleranceSeconds: 'number',
  tokenRefreshWindowSeconds: 'number',
  pkceMethod: 'string',
  idTokenSigningAlgs: 'list',
  allowInsecureHttp: 'boolean',
  signUpSignInPolicyId: 'string',
  resetPasswordPolicyId: 'string',
  editProfilePolicyId: 'string',
}

const UNSUPPORTED_SOURCES: Readonly<Record<string, string>> = {
  storewiththumbprint:
    'certificate stores are not supported: export the certificate with its key to a PEM file and use SourceType Path.',
  storewithdistinguishedname:
    'certificate stores are not supported: export the certificate with its key to a PEM file and use SourceType Path.',
  certificate:
    'an in-memory certificate cannot come from a file: use SourceType Path or Base64Encoded.',
  managedcertificate: 'managed certificates are not supported: use SourceType Path.',
  signedassertionfromvault:
    'vault assertions are not supported yet: use SignedAssertionFilePath or a certificate.',
  autodecryptkeys: 'AutoDecryptKeys is a token decryption setting, not a client credential.',
}

/**
 * Reads an Identity.Web-shaped `appsettings.json` (a path, or the already-parsed object) and
 * returns idweb options. Comments and trailing commas are accepted; keys match case-insensitively
 * as in .NET configuration; `Section__Key` environment variables override the file
 * (`AzureAd__ClientId`, `DownstreamApis__TodoApi__Scopes__0`, `Idweb__Session__Secrets__0`).
 *
 * Sections: `AzureAd` (or `section`) for identity settings, `DownstreamApis` for named APIs, and
 * `Idweb` for what Identity.Web has no place for (`Session`, `Provider`).
 * Credentials are collected in the
 * order `ClientCredentials`, `ClientCertificates`, then `ClientSecret`. Nothing is validated here
 * beyond types and credential source types: pass the result to `resolveConfig`.
 *
 * @throws ConfigError naming the setting (file unreadable, invalid JSON, unsupported SourceType).
 * @example
 * ```ts
 * const config = resolveConfig(loadAppSettings('appsettings.json'), { logger })
 * ```
 */
export function loadAppSettings(
  pathOrObject: string | Readonly<Record<string, unknown>>,
  options: LoadAppSettingsOptions = {},
): AppSettingsOptions {
  const sectionName = options.section ?? 'AzureAd'
  const root = readTree(pathOrObject)
  applyEnvOverrides(root, options.env ?? process.env, [sectionName, 'DownstreamApis', 'Idweb'])
  const renames: Record<string, string> = {}
  const out: Record<string, unknown> = {}

  const section = child(root, sectionName, sectionName)
  if (section) {
    for (const [camel, kind] of Object.entries(IDENTITY_KEYS)) {
      const k = findKey(section, camel)
      if (k === undefined) continue
      const value = convert(section[k] as ConfigValue, kind, `${sectionName}.${pascal(camel)}`)
      if (value !== undefined) out[camel] = value
    }
    if (out.clientSecret === '') delete out.clientSecret
    const credentials: CredentialDescription[] = []
    for (const listName of ['ClientCredentials', 'ClientCertificates']) {
      const list = listOf(section, listName, `${sectionName}.${listName}`)
      list.forEach((entry, i) => {
        const name = `${sectionName}.${listName}[${i}]`
        renames[`clientCredentials[${credentials.length}]`] = name
        credentials.push(credential(entry, name, listName === 'ClientCertificates'))
      })
    }
    if (credentials.length > 0) out.clientCredentials = credentials
  }

  const apis = child(root, 'DownstreamApis', 'DownstreamApis')
  if (apis) {
    const downstream: Record<string, DownstreamApiOptions> = {}
    for (const [name, value] of Object.entries(apis)) {
      downstream[name] = downstreamApi(value, `DownstreamApis.${name}`)
    }
    out.downstreamApis = downstream
  }

  const idweb = child(root, 'Idweb', 'Idweb')
  const session = idweb ? child(idweb, 'Session', 'Idweb.Session') : undefined
  if (session) out.session = sessionOptions(session)
  const provider = idweb ? child(idweb, 'Provider', 'Idweb.Provider') : undefined
  if (provider) out.provider = providerOptions(provider)
  const tokenCache = idweb ? child(idweb, 'TokenCache', 'Idweb.TokenCache') : undefined
  if (tokenCache) out.tokenCache = tokenCacheSettings(tokenCache)

  const source: AppSettingsSource = Object.freeze({
    section: sectionName,
    renames: Object.freeze(renames),
  })
  return Object.assign(out as IdwebOptions, { [appSettingsSource]: source })
}

function readTree(pathOrObject: string | Readonly<Record<string, unknown>>): ConfigTree {
  if (typeof pathOrObject !== 'string') {
    return structuredClone(pathOrObject) as ConfigTree
  }
  let text: string
  try {
    text = readFileSync(pathOrObject, 'utf8')
  } catch (err) {
    throw new ConfigError(
      pathOrObject,
      `cannot be read: check the path (relative to ${process.cwd()}).`,
      { cause: err },
    )
  }
  let parsed: unknown
  try {
    parsed = parseJsonc(text)
  } catch (err) {
    throw new ConfigError(
      pathOrObject,
      `is not valid JSON: ${err instanceof Error ? err.message : String(err)}. Comments and trailing commas are fine; a missing comma between two settings is a common cause.`,
      { cause: err },
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(pathOrObject, 'must hold a JSON object with an AzureAd section.')
  }
  return parsed as ConfigTree
}

function pascal(camel: string): string {
  return camel === 'sendX5c' ? 'SendX5C' : `${camel.charAt(0).toUpperCase()}${camel.slice(1)}`
}

function child(tree: ConfigTree, key: string, name: string): ConfigTree | undefined {
  const k = findKey(tree, key)
  if (k === undefined) return undefined
  const value = tree[k]
  if (value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(name, 'must be a JSON object.')
  }
  return value
}

function listOf(tree: ConfigTree, key: string, name: string): ConfigTree[] {
  const k = findKey(tree, key)
  if (k === undefined || tree[k] === null) return []
  const items = arrayItems(tree[k] as ConfigValue)
  if (items === undefined) throw new ConfigError(name, 'must be a JSON array of objects.')
  return items.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new ConfigError(`${name}[${i}]`, 'must be a JSON object with a SourceType.')
    }
    return item
  })
}

// Arrays may arrive as objects with numeric keys (.NET style) or sparse after env overrides.
function arrayItems(value: ConfigValue): ConfigValue[] | undefined {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined)
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value)
    if (keys.every((k) => /^\d+$/.test(k))) {
      return keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k] as ConfigValue)
    }
  }
  return undefined
}

function convert(value: ConfigValue, kind: Kind, name: string): unknown {
  if (value === null) return undefined
  switch (kind) {
    case 'string':
      if (typeof value === 'string') return value
      if (typeof value === 'number' || typeof value === 'boolean') return String(value)
      throw new ConfigError(name, 'must be a string.')
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
        return value.trim().toLowerCase() === 'true'
      }
      throw new ConfigError(name, `must be true or false, not ${JSON.stringify(value)}.`)
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
      if (typeof n === 'number' && Number.isFinite(n)) return n
      throw new ConfigError(name, `must be a number, not ${JSON.stringify(value)}.`)
    }
    case 'list': {
      if (typeof value === 'string') return value.split(/[\s,]+/).filter((s) => s.length > 0)
      const items = arrayItems(value)
      if (items?.every((v) => typeof v === 'string')) return items
      throw new ConfigError(name, 'must be an array of strings or a space-separated string.')
    }
    case 'strings': {
      if (typeof value === 'string') return [value]
      const items = arrayItems(value)
      if (items?.every((v) => typeof v === 'string')) return items
      throw new ConfigError(name, 'must be a string or an array of strings.')
    }
  }
}

function field(entry: ConfigTree, key: string, name: string): string | undefined {
  const k = findKey(entry, key)
  return k === undefined
    ? undefined
    : (convert(entry[k] as ConfigValue, 'string', `${name}.${key}`) as string | undefined)
}

function credential(
  entry: ConfigTree,
  name: string,
  certificatesOnly: boolean,
): CredentialDescription {
  const sourceType = field(entry, 'SourceType', name)
  if (sourceType === undefined) {
    throw new ConfigError(
      `${name}.SourceType`,
      'is missing: use Path, Base64Encoded, KeyVault, ClientSecret, SignedAssertionFilePath or SignedAssertionFromManagedIdentity.',
    )
  }
  const type = sourceType.toLowerCase()
  const unsupported = UNSUPPORTED_SOURCES[type]
  if (unsupported) throw new ConfigError(`${name}.SourceType`, `${sourceType}: ${unsupported}`)
  const password = field(entry, 'CertificatePassword', name)
  const withPassword = password ? { certificatePassword: password } : {}
  if (type === 'path') {
    return {
      sourceType: 'Path',
      certificateDiskPath: field(entry, 'CertificateDiskPath', name) ?? '',
      ...withPassword,
    }
  }
  if (type === 'base64encoded') {
    return {
      sourceType: 'Base64Encoded',
      base64EncodedValue: field(entry, 'Base64EncodedValue', name) ?? '',
      ...withPassword,
    }
  }
  if (type === 'keyvault') {
    const clientId = field(entry, 'ManagedIdentityClientId', name)
    return {
      sourceType: 'KeyVault',
      keyVaultUrl: field(entry, 'KeyVaultUrl', name) ?? '',
      keyVaultCertificateName: field(entry, 'KeyVaultCertificateName', name) ?? '',
      ...(clientId ? { managedIdentityClientId: clientId } : {}),
    }
  }
  if (!certificatesOnly && type === 'signedassertionfrommanagedidentity') {
    const clientId = field(entry, 'ManagedIdentityClientId', name)
    const url = field(entry, 'TokenExchangeUrl', name)
    return {
      sourceType: 'SignedAssertionFromManagedIdentity',
      ...(clientId ? { managedIdentityClientId: clientId } : {}),
      ...(url ? { tokenExchangeUrl: url } : {}),
    }
  }
  if (!certificatesOnly && type === 'clientsecret') {
    return { sourceType: 'ClientSecret', clientSecret: field(entry, 'ClientSecret', name) ?? '' }
  }
  if (!certificatesOnly && type === 'signedassertionfilepath') {
    const path = field(entry, 'SignedAssertionFileDiskPath', name)
    return path
      ? { sourceType: 'SignedAssertionFilePath', signedAssertionFileDiskPath: path }
      : { sourceType: 'SignedAssertionFilePath' }
  }
  throw new ConfigError(
    `${name}.SourceType`,
    `"${sourceType}" is not supported here: use ${certificatesOnly ? 'Path, Base64Encoded or KeyVault' : 'Path, Base64Encoded, KeyVault, ClientSecret, SignedAssertionFilePath or SignedAssertionFromManagedIdentity'}.`,
  )
}

function downstreamApi(value: ConfigValue, name: string): DownstreamApiOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(name, 'must be a JSON object with BaseUrl and Scopes.')
  }
  const get = (key: string, kind: Kind) => {
    const k = findKey(value, key)
    return k === undefined ? undefined : convert(value[k] as ConfigValue, kind, `${name}.${key}`)
  }
  const api: Record<string, unknown> = { baseUrl: get('BaseUrl', 'string') ?? '' }
  for (const [key, prop, kind] of [
    ['Scopes', 'scopes', 'list'],
    ['RelativePath', 'relativePath', 'string'],
    ['HttpMethod', 'httpMethod', 'string'],
    ['RequestAppToken', 'requestAppToken', 'boolean'],
    ['TimeoutMs', 'timeoutMs', 'number'],
  ] as const) {
    const v = get(key, kind)
    if (v !== undefined) api[prop] = v
  }
  return api as unknown as DownstreamApiOptions
}

function providerOptions(tree: ConfigTree): ProviderOptions {
  const provider: ProviderOptions = {}
  for (const key of ['TimeoutMs', 'MaxResponseBytes'] as const) {
    const k = findKey(tree, key)
    if (k === undefined) continue
    const value = convert(tree[k] as ConfigValue, 'number', `Idweb.Provider.${key}`)
    if (typeof value === 'number')
      provider[key === 'TimeoutMs' ? 'timeoutMs' : 'maxResponseBytes'] = value
  }
  return provider
}

function tokenCacheSettings(tree: ConfigTree): TokenCacheSettings {
  const get = (key: string, kind: Kind) => {
    const k = findKey(tree, key)
    return k === undefined
      ? undefined
      : convert(tree[k] as ConfigValue, kind, `Idweb.TokenCache.${key}`)
  }
  const settings: Record<string, unknown> = {}
  for (const [key, prop, kind] of [
    ['Store', 'store', 'string'],
    ['EncryptionKeys', 'encryptionKeys', 'strings'],
    ['MemoryBytes', 'memoryBytes', 'number'],
    ['StoreTimeoutMs', 'storeTimeoutMs', 'number'],
    ['OnBehalfOfMemoryBytes', 'onBehalfOfMemoryBytes', 'number'],
    ['OnBehalfOfSlidingSeconds', 'onBehalfOfSlidingSeconds', 'number'],
  ] as const) {
    const v = get(key, kind)
    if (v !== undefined) settings[prop] = v
  }
  return settings as TokenCacheSettings
}

function sessionOptions(tree: ConfigTree): SessionOptions {
  const get = (key: string, kind: Kind) => {
    const k = findKey(tree, key)
    return k === undefined
      ? undefined
      : convert(tree[k] as ConfigValue, kind, `Idweb.Session.${key}`)
  }
  const session: Record<string, unknown> = { secrets: get('Secrets', 'strings') ?? [] }
  for (const [key, prop, kind] of [
    ['CookieName', 'cookieName', 'string'],
    ['RollingSeconds', 'rollingSeconds', 'number'],
    ['AbsoluteSeconds', 'absoluteSeconds', 'number'],
    ['Secure', 'secure', 'boolean'],
    ['Store', 'store', 'string'],
  ] as const) {
    const v = get(key, kind)
    if (v !== undefined) session[prop] = v
  }
  return session as unknown as SessionOptions
}
