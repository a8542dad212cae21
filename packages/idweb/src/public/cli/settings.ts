import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseAuthority } from '../../authority/authority.ts'
import { loadAppSettings } from '../../config/app-settings.ts'
import type { IdwebOptions } from '../../config/options.ts'
import { isLoopbackHost } from '../../config/validators.ts'
import { defaultCachePath } from '../cache-settings.ts'
import type { Io } from './output.ts'
import { UsageError } from './output.ts'

/**
 * The client id of the development provider's CLI registration (`npm run dev-idp`): used when no
 * client id is given and the authority is on this machine, so that `idweb login --authority
 * http://localhost:4000/organizations/v2.0` works with nothing else.
 */
export const DEV_IDP_CLI_CLIENT_ID = 'a0000000-0000-4000-c000-000000000003'

/** The flags every command that talks to the provider takes. */
export interface ProviderFlags {
  authority?: string | undefined
  tenant?: string | undefined
  'client-id'?: string | undefined
  cache?: string | undefined
  config?: string | undefined
}

/** What a command works with: the options, and where they came from (for messages). */
export interface Settings {
  readonly options: IdwebOptions
  /** The appsettings.json read, if any. */
  readonly appSettings: string | undefined
  readonly cachePath: string
}

/**
 * The client's options: flags first, then an appsettings.json (`--config`, else the working
 * directory's), then `IDWEB_AUTHORITY` / `IDWEB_CLIENT_ID`. `keepCredentials` keeps the app's
 * credentials (for `doctor`); a public client never uses them.
 */
export function settingsOf(flags: ProviderFlags, io: Io, keepCredentials = false): Settings {
  const found =
    flags.config ?? (existsSync(join(io.cwd, 'appsettings.json')) ? 'appsettings.json' : undefined)
  const appSettings = found === undefined ? undefined : resolve(io.cwd, found)
  if (appSettings !== undefined && !existsSync(appSettings)) {
    throw new UsageError(`--config ${found}: no such file.`)
  }
  const options: Record<string, unknown> = appSettings
    ? { ...loadAppSettings(appSettings, { env: io.env }) }
    : {}
  if (!keepCredentials) {
    delete options.clientSecret
    delete options.clientCredentials
  }
  // The environment's authority fills in where neither a flag nor the file names one.
  const named = ['instance', 'tenantId', 'authority'].some((k) => options[k] !== undefined)
  const authority = flags.authority ?? (named ? undefined : io.env.IDWEB_AUTHORITY)
  if (authority !== undefined) {
    for (const k of ['instance', 'tenantId', 'authority', 'domain', 'signUpSignInPolicyId']) {
      delete options[k]
    }
    options.authority = authority
  }
  if (flags.tenant !== undefined) withTenant(options, flags.tenant)
  if (
    options.authority === undefined &&
    options.instance === undefined &&
    options.tenantId === undefined
  ) {
    throw new UsageError(
      'No authority: pass --authority (e.g. https://login.microsoftonline.com/organizations/v2.0), set IDWEB_AUTHORITY, or run where an appsettings.json is.',
    )
  }
  const local = isLoopbackHost(hostOf(options))
  const clientId =
    flags['client-id'] ?? (options.clientId as string | undefined) ?? io.env.IDWEB_CLIENT_ID
  options.clientId = clientId ?? (local ? DEV_IDP_CLI_CLIENT_ID : undefined)
  if (options.clientId === undefined) {
    throw new UsageError(
      'No client id: pass --client-id, set IDWEB_CLIENT_ID, or run where an appsettings.json with AzureAd.ClientId is.',
    )
  }
  // Plain http is for a provider on this machine only (the development provider).
  if (local) options.allowInsecureHttp = true
  return {
    options: options as IdwebOptions,
    appSettings,
    cachePath: flags.cache ? resolve(io.cwd, flags.cache) : defaultCachePath(io.env),
  }
}

function withTenant(options: Record<string, unknown>, tenant: string): void {
  if (typeof options.authority === 'string') {
    const parsed = parseAuthority(options.authority, { authority: '--authority' })
    if (parsed.kind !== 'entra') {
      throw new UsageError('--tenant needs an Entra authority; this one names its own tenant.')
    }
    delete options.authority
    options.instance = parsed.instance
  }
  options.tenantId = tenant
}

function hostOf(options: Record<string, unknown>): string {
  const url = (options.authority ??
    options.instance ??
    'https://login.microsoftonline.com/') as string
  try {
    return new URL(url).hostname
  } catch {
    return ''
  }
}
