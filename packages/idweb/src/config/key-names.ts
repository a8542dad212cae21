/**
 * Marks options produced by `loadAppSettings`, so that `resolveConfig` names settings the way
 * they are spelled in `appsettings.json` (`AzureAd.ClientId`) instead of in code (`clientId`).
 */
export const appSettingsSource: unique symbol = Symbol.for('idweb.appSettingsSource')

/** Where options loaded from `appsettings.json` came from. */
export interface AppSettingsSource {
  /** The identity section, `AzureAd` unless configured otherwise. */
  readonly section: string
  /**
   * Names that do not follow from the camelCase path, e.g. `clientCredentials[1]` →
   * `AzureAd.ClientCertificates[0]`.
   */
  readonly renames: Readonly<Record<string, string>>
}

const PASCAL_EXCEPTIONS: Readonly<Record<string, string>> = { sendX5c: 'SendX5C' }

function pascal(segment: string): string {
  const bracket = segment.indexOf('[')
  const name = bracket === -1 ? segment : segment.slice(0, bracket)
  const index = bracket === -1 ? '' : segment.slice(bracket)
  const mapped = PASCAL_EXCEPTIONS[name] ?? `${name.charAt(0).toUpperCase()}${name.slice(1)}`
  return `${mapped}${index}`
}

/**
 * Returns the function that names a setting for error messages: the camelCase path itself for
 * options written in code, the `appsettings.json` spelling for loaded ones.
 *
 * @example
 * ```ts
 * const name = settingNamer({ section: 'AzureAd', renames: {} })
 * name('clientId') // 'AzureAd.ClientId'
 * name('downstreamApis.TodoApi.baseUrl') // 'DownstreamApis.TodoApi.BaseUrl'
 * name('session.secrets') // 'Idweb.Session.Secrets'
 * name('provider.timeoutMs') // 'Idweb.Provider.TimeoutMs'
 * settingNamer(undefined)('clientId') // 'clientId'
 * ```
 */
export function settingNamer(source: AppSettingsSource | undefined): (path: string) => string {
  if (source === undefined) return (path) => path
  return (path) => {
    const renamed = Object.keys(source.renames)
      .filter((prefix) => path === prefix || path.startsWith(`${prefix}.`))
      .sort((a, b) => b.length - a.length)[0]
    if (renamed !== undefined) {
      return `${source.renames[renamed]}${path
        .slice(renamed.length)
        .split('.')
        .map((s, i) => (i === 0 ? s : pascal(s)))
        .join('.')}`
    }
    const segments = path.split('.')
    const head = segments[0] ?? ''
    if (head === 'downstreamApis') {
      return ['DownstreamApis', ...segments.slice(1).map((s, i) => (i === 0 ? s : pascal(s)))].join(
        '.',
      )
    }
    if (head === 'session') return ['Idweb', 'Session', ...segments.slice(1).map(pascal)].join('.')
    if (head === 'provider')
      return ['Idweb', 'Provider', ...segments.slice(1).map(pascal)].join('.')
    if (head === 'tokenCache') {
      return ['Idweb', 'TokenCache', ...segments.slice(1).map(pascal)].join('.')
    }
    return [source.section, ...segments.map(pascal)].join('.')
  }
}

/**
 * Where the session secrets are written, for messages: in `appsettings.json`, in the environment,
 * or, for options written in code, the option itself.
 *
 * @example
 * ```ts
 * sessionSecretsPlaces(true)
 * // 'set Idweb.Session.Secrets in appsettings.json (a list, newest first) or the environment variable Idweb__Session__Secrets__0'
 * ```
 */
export function sessionSecretsPlaces(fromAppSettings: boolean): string {
  const files =
    'Idweb.Session.Secrets in appsettings.json (a list, newest first) or the environment variable Idweb__Session__Secrets__0'
  return fromAppSettings
    ? `set ${files}`
    : `pass session: { secrets: [...] } (with loadAppSettings: ${files})`
}
