import { createProtocolSource } from '../../acquisition/setup.ts'
import { resolveConfig } from '../../config/resolve-config.ts'
import type { ResolvedConfig } from '../../config/resolved-config.ts'
import { isIdwebError, ProtocolError } from '../../errors.ts'
import { silentLogger } from '../../logger.ts'
import { authorizationUrl, newTransactionSecrets } from '../../protocol/authorize.ts'
import type { ProtocolContext } from '../../protocol/context.ts'
import { clientCredentialsGrant } from '../../protocol/grants.ts'
import { Exit, type Io, json, paint } from './output.ts'
import { type ProviderFlags, settingsOf } from './settings.ts'

/** The flags of `doctor`. */
export interface DoctorFlags extends ProviderFlags {
  'redirect-uri'?: string | undefined
  json?: boolean | undefined
}

/** One check and what to do about it. */
interface Check {
  name: string
  ok: boolean
  detail: string
  fix?: string
}

/**
 * `idweb doctor`: checks a configuration against its provider: that it is valid, that discovery
 * answers, that the provider takes the redirect URI, and (for an app with a credential) that the
 * credential is accepted, by a client-credentials request. Prints what is wrong and how to fix
 * it; exits 1 when anything is.
 */
export async function doctor(flags: DoctorFlags, io: Io): Promise<number> {
  const checks: Check[] = []
  const settings = settingsOf(flags, io, true)
  const source = settings.appSettings ?? 'flags and environment'
  let config: ResolvedConfig
  try {
    config = resolveConfig({ ...settings.options, allowPublicClient: true }, { env: io.env })
  } catch (err) {
    checks.push({
      name: 'configuration',
      ok: false,
      detail: `${source}: ${message(err)}`,
      fix: 'Correct the setting named above.',
    })
    return report(checks, flags, io)
  }
  const kind = config.credentials.length > 0 ? 'a confidential client' : 'a public client'
  checks.push({
    name: 'configuration',
    ok: true,
    detail: `${source}: client ${config.clientId}, ${kind}, authority ${config.authority.authority}`,
  })
  const { protocol } = createProtocolSource(config, { logger: silentLogger })
  let ctx: ProtocolContext
  try {
    ctx = await protocol()
    checks.push({ name: 'discovery', ok: true, detail: `issuer ${ctx.as.issuer}` })
  } catch (err) {
    checks.push({
      name: 'discovery',
      ok: false,
      detail: `${config.authority.discoveryUrl}: ${message(err)}`,
      fix: 'Check the Instance and TenantId (or Authority): the address must answer with the provider’s OpenID configuration.',
    })
    return report(checks, flags, io)
  }
  checks.push(await redirectCheck(ctx, config, flags))
  if (config.credentials.length > 0) checks.push(await credentialCheck(ctx, config))
  return report(checks, flags, io)
}

async function redirectCheck(ctx: ProtocolContext, config: ResolvedConfig, flags: DoctorFlags) {
  const assumed = flags['redirect-uri'] === undefined
  const redirectUri =
    flags['redirect-uri'] ??
    (config.credentials.length > 0
      ? `http://localhost:3000${config.callbackPath}`
      : 'http://localhost')
  const name = 'redirect URI'
  const url = await authorizationUrl(ctx, {
    redirectUri,
    scopes: [],
    ...newTransactionSecrets(),
    responseMode: 'query',
  })
  let res: Response
  try {
    res = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(config.provider.timeoutMs),
    })
  } catch (err) {
    return { name, ok: false, detail: `the authorization endpoint did not answer: ${message(err)}` }
  }
  const body = (await res.text().catch(() => '')).slice(0, 20_000)
  const location = res.headers.get('location') ?? ''
  // A sign-in page (200, or a redirect to one) takes the URI; an error page names why not.
  const refused =
    res.status >= 400 ||
    (res.status < 300 &&
      /AADSTS(50011|700016|90014)|redirect_uri_mismatch|invalid_client|unauthorized_client/.test(
        body,
      ))
  const shown = assumed
    ? `${redirectUri} (assumed; pass --redirect-uri to check another)`
    : redirectUri
  if (!refused && (res.status < 400 || location)) {
    return { name, ok: true, detail: `${shown} is accepted` }
  }
  const code = /AADSTS\d+/.exec(body)?.[0]
  if (code === 'AADSTS700016' || /invalid_client/.test(body)) {
    return {
      name,
      ok: false,
      detail: `the provider knows no app ${config.clientId} (HTTP ${res.status}${code ? `, ${code}` : ''})`,
      fix: 'Check ClientId, and that TenantId is the tenant the app is registered in (or that the app is multi-tenant).',
    }
  }
  return {
    name,
    ok: false,
    detail: `${shown} was refused (HTTP ${res.status}${code ? `, ${code}` : ''})`,
    fix: `Register ${redirectUri} as a redirect URI of app ${config.clientId} (Entra: App registrations > Authentication), or set CallbackPath to the one registered.`,
  }
}

async function credentialCheck(ctx: ProtocolContext, config: ResolvedConfig): Promise<Check> {
  const name = 'credential'
  const scope =
    config.authority.kind === 'oidc'
      ? `${config.clientId}/.default`
      : 'https://graph.microsoft.com/.default'
  try {
    await clientCredentialsGrant(ctx, [scope])
    return { name, ok: true, detail: `a client-credentials request for ${scope} succeeded` }
  } catch (err) {
    const refusedClient =
      (err instanceof ProtocolError && /invalid_client|unauthorized_client/.test(err.error)) ||
      isIdwebError(err, 'IDW_CREDENTIAL_INVALID')
    if (!refusedClient) {
      return {
        name,
        ok: true,
        detail: `accepted (the provider refused only the test scope ${scope}: ${message(err)})`,
      }
    }
    return {
      name,
      ok: false,
      detail: `the provider refused the credential: ${message(err)}`,
      fix: 'Check ClientSecret (expired or mistyped) or ClientCredentials (the certificate must be uploaded to the app registration).',
    }
  }
}

function report(checks: Check[], flags: DoctorFlags, io: Io): number {
  const failed = checks.some((c) => !c.ok)
  if (flags.json) {
    io.out(json({ ok: !failed, checks }))
  } else {
    for (const c of checks) {
      const mark = c.ok ? paint(io, 'green', '✓') : paint(io, 'red', '✗')
      io.out(`${mark} ${c.name}: ${c.detail}`)
      if (c.fix) io.out(`  ${paint(io, 'bold', 'fix:')} ${c.fix}`)
    }
  }
  return failed ? Exit.failed : Exit.ok
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
