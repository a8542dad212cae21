import { ASYMMETRIC_ALGORITHMS, isAsymmetricAlgorithm } from '../algorithms.ts'
import { isGuid } from '../authority/tenant.ts'
import { ConfigError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import type { AppSettingsOptions } from './app-settings.ts'
import { deepFreeze } from './deep-freeze.ts'
import { appSettingsSource, sessionSecretsPlaces, settingNamer } from './key-names.ts'
import type { IdwebOptions } from './options.ts'
import { resolveAuthority } from './resolve-authority.ts'
import { resolveCredentials } from './resolve-credentials.ts'
import {
  resolveDownstreamApi,
  resolveProvider,
  resolveSession,
  resolveTokenCache,
} from './resolve-sections.ts'
import type { ResolvedConfig, ResolvedDownstreamApi } from './resolved-config.ts'
import { deferWarnings } from './startup-warnings.ts'
import {
  closest,
  integer,
  isLoopbackHost,
  isPlaceholder,
  routePath,
  scopeList,
} from './validators.ts'

/** Options of {@link resolveConfig}. */
export interface ResolveConfigOptions {
  /** Environment: `NODE_ENV` (production refuses `allowInsecureHttp`), `AZURE_FEDERATED_TOKEN_FILE`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /**
   * Receives startup warnings (insecure http, certificate expiry), once the configuration is
   * accepted and once per process for each. Default: silent.
   */
  logger?: Logger
  /**
   * Refuse a configuration without session secrets (a web app needs them; an API does not),
   * naming the key where the user writes them.
   */
  requireSession?: boolean
}

const KNOWN_KEYS: readonly (keyof IdwebOptions)[] = [
  'instance',
  'tenantId',
  'domain',
  'authority',
  'clientId',
  'clientSecret',
  'clientCredentials',
  'sendX5c',
  'allowPublicClient',
  'callbackPath',
  'signedOutCallbackPath',
  'remoteSignOutPath',
  'backchannelLogoutPath',
  'signInPath',
  'signOutPath',
  'postLogoutRedirectUri',
  'responseMode',
  'initialScopes',
  'allowedTenants',
  'clockToleranceSeconds',
  'tokenRefreshWindowSeconds',
  'pkceMethod',
  'idTokenSigningAlgs',
  'session',
  'provider',
  'tokenCache',
  'downstreamApis',
  'allowInsecureHttp',
  'signUpSignInPolicyId',
  'resetPasswordPolicyId',
  'editProfilePolicyId',
]

const POLICY = /^[A-Za-z0-9_.-]{1,128}$/

/**
 * Validates options once, at startup, and returns them resolved, defaulted and deep-frozen.
 * Every problem is a {@link ConfigError} whose `key` names the setting as the user wrote it
 * (`AzureAd.ClientId` for options from `loadAppSettings`, `clientId` in code) and whose message
 * says how to fix it. Unsafe choices are refused: a missing credential, an empty or placeholder
 * secret, a weak session secret, `http:` without `allowInsecureHttp`, `allowInsecureHttp` in
 * production, wildcard or URL callback paths, PKCE other than S256, `none`/HS* ID token algorithms.
 *
 * @example
 * ```ts
 * const config = resolveConfig(
 *   { tenantId: 'organizations', clientId, clientSecret, session: { secrets: [sessionSecret] } },
 *   { logger: consoleLogger() },
 * )
 * config.callbackPath // '/signin-oidc'
 * ```
 */
export function resolveConfig(
  input: IdwebOptions,
  options: ResolveConfigOptions = {},
): ResolvedConfig {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError('options', 'must be an object (or the result of loadAppSettings).')
  }
  const warnings = deferWarnings(options.logger ?? silentLogger)
  const config = resolve(input, options.env ?? process.env, warnings.logger)
  if (options.requireSession && !config.session) throw missingSessionSecrets(input)
  warnings.flush()
  return config
}

/** The error of a web app configured without session secrets, naming where they go. */
export function missingSessionSecrets(options: IdwebOptions): ConfigError {
  const source = (options as Partial<AppSettingsOptions>)[appSettingsSource]
  return new ConfigError(
    settingNamer(source)('session.secrets'),
    `is required for a web app: ${sessionSecretsPlaces(source !== undefined)}, with at least one random secret of 32+ characters (e.g. \`openssl rand -base64 48\`).`,
  )
}

function resolve(
  input: IdwebOptions,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): ResolvedConfig {
  const name = settingNamer((input as Partial<AppSettingsOptions>)[appSettingsSource])

  for (const key of Object.keys(input)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      const guess = closest(key, KNOWN_KEYS)
      throw new ConfigError(
        key,
        `is not an idweb option${guess ? `: did you mean ${guess}?` : '.'}`,
      )
    }
  }

  const allowInsecureHttp = input.allowInsecureHttp ?? false
  if (typeof allowInsecureHttp !== 'boolean')
    throw new ConfigError(name('allowInsecureHttp'), 'must be true or false.')
  if (allowInsecureHttp) {
    if (env.NODE_ENV === 'production') {
      throw new ConfigError(
        name('allowInsecureHttp'),
        'is true while NODE_ENV is production: remove it; plain http is for local development only.',
      )
    }
    logger.warn('INSECURE: allowInsecureHttp is on; never use this setting in production')
  }

  const authority = resolveAuthority(input, name, allowInsecureHttp, logger)

  const clientId = input.clientId
  if (typeof clientId !== 'string' || clientId.trim() === '') {
    throw new ConfigError(
      name('clientId'),
      "is missing: copy the Application (client) ID from the app registration's Overview page.",
    )
  }
  if (isPlaceholder(clientId)) {
    throw new ConfigError(
      name('clientId'),
      "still holds the placeholder text: copy the Application (client) ID from the app registration's Overview page.",
    )
  }

  const credentials = resolveCredentials(input, name, env, logger)

  const paths = {
    callbackPath: routePath(input.callbackPath ?? '/signin-oidc', name('callbackPath')),
    signedOutCallbackPath: routePath(
      input.signedOutCallbackPath ?? '/signout-callback-oidc',
      name('signedOutCallbackPath'),
    ),
    signInPath: routePath(input.signInPath ?? '/signin', name('signInPath')),
    signOutPath: routePath(input.signOutPath ?? '/signout', name('signOutPath')),
    remoteSignOutPath: routePath(
      input.remoteSignOutPath ?? '/signout-oidc',
      name('remoteSignOutPath'),
    ),
    backchannelLogoutPath: routePath(
      input.backchannelLogoutPath ?? '/backchannel-logout',
      name('backchannelLogoutPath'),
    ),
  }
  const seen = new Map<string, string>()
  for (const [k, p] of Object.entries(paths)) {
    const other = seen.get(p.toLowerCase())
    if (other)
      throw new ConfigError(
        name(k),
        `is the same path as ${name(other)} (${p}): each route needs its own path.`,
      )
    seen.set(p.toLowerCase(), k)
  }

  const responseMode = input.responseMode ?? 'form_post'
  if (responseMode !== 'form_post' && responseMode !== 'query') {
    throw new ConfigError(
      name('responseMode'),
      `"${String(responseMode)}" is not supported: use form_post (default) or query${String(responseMode) === 'fragment' ? '; a server never sees the URL fragment' : ''}.`,
    )
  }

  const pkceMethod = input.pkceMethod ?? 'S256'
  if (pkceMethod !== 'S256') {
    throw new ConfigError(
      name('pkceMethod'),
      `"${String(pkceMethod)}" is refused: only S256 protects the authorization code; remove the setting.`,
    )
  }

  let allowedTenants: string[] | undefined
  if (input.allowedTenants !== undefined) {
    const list = scopeList(input.allowedTenants, name('allowedTenants'))
    if (!authority.isMultiTenant) {
      throw new ConfigError(
        name('allowedTenants'),
        'only applies to multi-tenant apps (tenant common or organizations): remove it, or change the tenant.',
      )
    }
    if (list.length === 0)
      throw new ConfigError(
        name('allowedTenants'),
        'is empty, which would let no one sign in: list tenant IDs or remove it.',
      )
    for (const t of list) {
      if (!isGuid(t))
        throw new ConfigError(
          name('allowedTenants'),
          `"${t}" is not a tenant ID: use Directory (tenant) ID GUIDs.`,
        )
    }
    allowedTenants = list.map((t) => t.toLowerCase())
  }

  let idTokenSigningAlgs: string[] | undefined
  if (input.idTokenSigningAlgs !== undefined) {
    idTokenSigningAlgs = scopeList(input.idTokenSigningAlgs, name('idTokenSigningAlgs'))
    for (const alg of idTokenSigningAlgs) {
      if (!isAsymmetricAlgorithm(alg)) {
        throw new ConfigError(
          name('idTokenSigningAlgs'),
          `"${alg}" is refused: ID tokens must be signed with an asymmetric key (${ASYMMETRIC_ALGORITHMS.join(', ')}); none and HS* let anyone forge them.`,
        )
      }
    }
    if (idTokenSigningAlgs.length === 0)
      throw new ConfigError(
        name('idTokenSigningAlgs'),
        'is empty: remove it to accept what discovery advertises.',
      )
  }

  const downstreamApis: Record<string, ResolvedDownstreamApi> = {}
  if (input.downstreamApis !== undefined) {
    if (typeof input.downstreamApis !== 'object' || input.downstreamApis === null) {
      throw new ConfigError(name('downstreamApis'), 'must map API names to { baseUrl, scopes }.')
    }
    for (const [apiName, api] of Object.entries(input.downstreamApis)) {
      downstreamApis[apiName] = resolveDownstreamApi(
        apiName,
        api,
        authority,
        allowInsecureHttp,
        name,
      )
    }
  }

  const config: ResolvedConfig = {
    authority,
    clientId: clientId.trim(),
    credentials,
    ...paths,
    postLogoutRedirectUri: postLogoutRedirect(
      input.postLogoutRedirectUri,
      name('postLogoutRedirectUri'),
      allowInsecureHttp,
    ),
    responseMode,
    initialScopes: scopeList(input.initialScopes, name('initialScopes')),
    allowedTenants,
    clockToleranceSeconds: integer(
      input.clockToleranceSeconds,
      name('clockToleranceSeconds'),
      300,
      0,
      600,
    ),
    tokenRefreshWindowSeconds: integer(
      input.tokenRefreshWindowSeconds,
      name('tokenRefreshWindowSeconds'),
      300,
      0,
      3600,
    ),
    pkceMethod,
    idTokenSigningAlgs,
    session: input.session === undefined ? undefined : resolveSession(input.session, name),
    provider: resolveProvider(input.provider, name),
    tokenCache: resolveTokenCache(input.tokenCache, name),
    downstreamApis,
    allowInsecureHttp,
    b2c: b2cPolicies(input, authority.kind === 'b2c' ? authority.policy : undefined, name),
  }
  return deepFreeze(config)
}

function postLogoutRedirect(
  value: unknown,
  key: string,
  allowInsecureHttp: boolean,
): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0)
    throw new ConfigError(key, 'must be an absolute URL or a path starting with /.')
  if (value.startsWith('/') && !value.startsWith('//')) {
    routePath(value.split('?', 1)[0] ?? '', key)
    return value
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(key, `"${value}" must be an absolute URL or a path starting with /.`)
  }
  if (value.includes('*')) throw new ConfigError(key, 'must not contain a wildcard.')
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && (allowInsecureHttp || isLoopbackHost(url.hostname)))
  ) {
    throw new ConfigError(
      key,
      'must be an https URL (http only on localhost or with AllowInsecureHttp).',
    )
  }
  return value
}

function b2cPolicies(
  input: IdwebOptions,
  signUpSignIn: string | undefined,
  name: (path: string) => string,
): ResolvedConfig['b2c'] {
  for (const k of ['resetPasswordPolicyId', 'editProfilePolicyId'] as const) {
    const v = input[k]
    if (
      v !== undefined &&
      (signUpSignIn === undefined || typeof v !== 'string' || !POLICY.test(v))
    ) {
      throw new ConfigError(
        name(k),
        signUpSignIn === undefined
          ? 'only applies to B2C apps (set SignUpSignInPolicyId).'
          : 'must be a user flow name, e.g. B2C_1_reset.',
      )
    }
  }
  if (signUpSignIn === undefined) return undefined
  return {
    signUpSignIn,
    resetPassword: input.resetPasswordPolicyId,
    editProfile: input.editProfilePolicyId,
  }
}
