import type { Authority } from '../authority/authority.ts'
import { storeKind } from '../cache/stores/open-store.ts'
import { ConfigError } from '../errors.ts'
import { sessionSecretsPlaces } from './key-names.ts'
import type {
  DownstreamApiOptions,
  ProviderOptions,
  SessionOptions,
  TokenCacheSettings,
} from './options.ts'
import type {
  ResolvedDownstreamApi,
  ResolvedProviderOptions,
  ResolvedSessionOptions,
  ResolvedTokenCacheSettings,
} from './resolved-config.ts'
import { integer, isLoopbackHost, isPlaceholder, scopeList } from './validators.ts'

const MIN_SECRET_LENGTH = 32
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']

/**
 * Validates the session options: one or more secrets of at least 32 characters, newest first.
 * The remaining fields are type-checked and passed through to the session layer.
 *
 * @throws ConfigError naming the setting.
 * @example
 * ```ts
 * resolveSession({ secrets: process.env.SESSION_SECRET! }, (k) => k).secrets.length // 1
 * ```
 */
export function resolveSession(
  input: SessionOptions,
  name: (path: string) => string,
): ResolvedSessionOptions {
  if (typeof input !== 'object' || input === null)
    throw new ConfigError(name('session'), 'must be an object with secrets.')
  const raw = input.secrets
  const secrets = typeof raw === 'string' ? [raw] : raw
  const generate = `generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ConfigError(
      name('session.secrets'),
      `is missing: the session cookie must be sealed with a secret: ${sessionSecretsPlaces(name('session.secrets') !== 'session.secrets')}; ${generate}`,
    )
  }
  secrets.forEach((s: unknown, i: number) => {
    if (
      typeof s !== 'string' ||
      s.length < MIN_SECRET_LENGTH ||
      isPlaceholder(s) ||
      new Set(s).size < 8
    ) {
      throw new ConfigError(
        `${name('session.secrets')}[${i}]`,
        `is too weak: use at least ${MIN_SECRET_LENGTH} random characters; ${generate}`,
      )
    }
  })
  if (new Set(secrets).size !== secrets.length) {
    throw new ConfigError(name('session.secrets'), 'lists the same secret twice.')
  }
  if (
    input.cookieName !== undefined &&
    (typeof input.cookieName !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(input.cookieName))
  ) {
    throw new ConfigError(
      name('session.cookieName'),
      'must be 1–64 letters, digits, "_", "." or "-".',
    )
  }
  if (input.secure !== undefined && typeof input.secure !== 'boolean') {
    throw new ConfigError(name('session.secure'), 'must be true or false.')
  }
  const seconds = (v: number | undefined, k: string) =>
    v === undefined ? undefined : integer(v, name(k), 0, 60, 400 * 86_400)
  return {
    secrets: [...secrets],
    cookieName: input.cookieName,
    rollingSeconds: seconds(input.rollingSeconds, 'session.rollingSeconds'),
    absoluteSeconds: seconds(input.absoluteSeconds, 'session.absoluteSeconds'),
    secure: input.secure,
    store: sessionStore(input.store, name('session.store')),
  }
}

function sessionStore(url: unknown, setting: string): string | undefined {
  if (url === undefined) return undefined
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ConfigError(setting, 'must be a store URL such as redis://host:6379.')
  }
  storeKind(url.trim(), setting)
  return url.trim()
}

/**
 * Validates the bounds of provider calls, with their defaults.
 *
 * @throws ConfigError naming the setting.
 * @example
 * ```ts
 * resolveProvider({ timeoutMs: 5000 }, (k) => k) // { timeoutMs: 5000, maxResponseBytes: 262144 }
 * ```
 */
export function resolveProvider(
  input: ProviderOptions | undefined,
  name: (key: string) => string,
): ResolvedProviderOptions {
  if (input !== undefined && (typeof input !== 'object' || input === null)) {
    throw new ConfigError(name('provider'), 'must be an object (timeoutMs, maxResponseBytes).')
  }
  return {
    timeoutMs: integer(input?.timeoutMs, name('provider.timeoutMs'), 10_000, 100, 120_000),
    maxResponseBytes: integer(
      input?.maxResponseBytes,
      name('provider.maxResponseBytes'),
      256 * 1024,
      16 * 1024,
      16 * 1024 * 1024,
    ),
  }
}

/**
 * Validates the token cache settings: a store URL that names a store (checked without
 * connecting), encryption secrets of 32+ characters, and the memory and timeout bounds.
 *
 * @throws ConfigError naming the setting.
 * @example
 * ```ts
 * resolveTokenCache({ store: 'redis://127.0.0.1:6379' }, (k) => k).store // 'redis://127.0.0.1:6379'
 * ```
 */
export function resolveTokenCache(
  input: TokenCacheSettings | undefined,
  name: (key: string) => string,
): ResolvedTokenCacheSettings {
  if (input !== undefined && (typeof input !== 'object' || input === null)) {
    throw new ConfigError(name('tokenCache'), 'must be an object (store, encryptionKeys).')
  }
  const store = input?.store?.trim() || 'memory'
  if (store !== 'session') storeKind(store, name('tokenCache.store'))
  let encryptionKeys: string[] | undefined
  if (input?.encryptionKeys !== undefined) {
    encryptionKeys =
      typeof input.encryptionKeys === 'string' ? [input.encryptionKeys] : [...input.encryptionKeys]
    encryptionKeys.forEach((k, i) => {
      if (typeof k !== 'string' || k.length < MIN_SECRET_LENGTH) {
        throw new ConfigError(
          `${name('tokenCache.encryptionKeys')}[${i}]`,
          `must be at least ${MIN_SECRET_LENGTH} random characters; generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`,
        )
      }
    })
    if (encryptionKeys.length === 0) encryptionKeys = undefined
  }
  return {
    store,
    encryptionKeys,
    memoryBytes: integer(
      input?.memoryBytes,
      name('tokenCache.memoryBytes'),
      256 * 1024 * 1024,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    storeTimeoutMs: integer(
      input?.storeTimeoutMs,
      name('tokenCache.storeTimeoutMs'),
      250,
      10,
      10_000,
    ),
    onBehalfOfMemoryBytes: integer(
      input?.onBehalfOfMemoryBytes,
      name('tokenCache.onBehalfOfMemoryBytes'),
      16 * 1024 * 1024,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    onBehalfOfSlidingSeconds: integer(
      input?.onBehalfOfSlidingSeconds,
      name('tokenCache.onBehalfOfSlidingSeconds'),
      3600,
      60,
      90 * 24 * 3600,
    ),
  }
}

/**
 * Validates one named downstream API.
 *
 * @throws ConfigError naming the setting.
 * @example
 * ```ts
 * resolveDownstreamApi('graph', { baseUrl: 'https://graph.microsoft.com/v1.0', scopes: 'User.Read' }, authority, false, (k) => k)
 * ```
 */
export function resolveDownstreamApi(
  apiName: string,
  input: DownstreamApiOptions,
  authority: Authority,
  allowInsecureHttp: boolean,
  name: (path: string) => string,
): ResolvedDownstreamApi {
  const key = (field: string) => name(`downstreamApis.${apiName}.${field}`)
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(apiName)) {
    throw new ConfigError(
      name(`downstreamApis.${apiName}`),
      'names must be letters, digits, "_", "." or "-".',
    )
  }
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError(
      name(`downstreamApis.${apiName}`),
      'must be an object with baseUrl and scopes.',
    )
  }
  let url: URL
  try {
    url = new URL(input.baseUrl)
  } catch {
    throw new ConfigError(
      key('baseUrl'),
      `must be an absolute URL such as https://graph.microsoft.com/v1.0, not ${JSON.stringify(input.baseUrl)}.`,
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(key('baseUrl'), 'must be an https URL.')
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      key('baseUrl'),
      'uses http: tokens would travel in clear text. Use https.',
    )
  }
  if (url.username || url.password || url.hash || url.search) {
    throw new ConfigError(
      key('baseUrl'),
      'must not contain credentials, a query or a fragment: put query parameters in relativePath.',
    )
  }
  const relativePath = input.relativePath ?? ''
  if (
    typeof relativePath !== 'string' ||
    /^[a-z][a-z0-9+.-]*:/i.test(relativePath) ||
    relativePath.startsWith('//') ||
    relativePath.includes('\\')
  ) {
    throw new ConfigError(
      key('relativePath'),
      'must be a path relative to baseUrl, never a URL (the token would go to another host).',
    )
  }
  const scopes = scopeList(input.scopes, key('scopes'))
  const requestAppToken = input.requestAppToken ?? false
  if (typeof requestAppToken !== 'boolean')
    throw new ConfigError(key('requestAppToken'), 'must be true or false.')
  if (scopes.length === 0) {
    throw new ConfigError(
      key('scopes'),
      `is missing: list the scopes to request, e.g. ["api://<API client id>/${requestAppToken ? '.default' : 'access_as_user'}"].`,
    )
  }
  if (
    requestAppToken &&
    authority.kind !== 'oidc' &&
    (scopes.length !== 1 || !scopes[0]?.endsWith('/.default'))
  ) {
    throw new ConfigError(
      key('scopes'),
      'must be one "<resource>/.default" scope when RequestAppToken is true (app tokens carry the app roles granted to the app).',
    )
  }
  const httpMethod = (input.httpMethod ?? 'GET').toUpperCase()
  if (!METHODS.includes(httpMethod))
    throw new ConfigError(key('httpMethod'), `must be one of ${METHODS.join(', ')}.`)
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`
  return {
    name: apiName,
    baseUrl: base,
    scopes,
    relativePath,
    httpMethod,
    requestAppToken,
    timeoutMs: integer(input.timeoutMs, key('timeoutMs'), 30_000, 1, 600_000),
  }
}
