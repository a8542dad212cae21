import { InteractionRequiredError, isIdwebError } from '../../errors.ts'
import type { LogFields, Logger } from '../../logger.ts'
import { silentLogger } from '../../logger.ts'
import { OIDC_SCOPES } from '../../protocol/authorize.ts'
import { openSystemBrowser } from '../open-browser.ts'
import {
  createPublicClient,
  type PublicAccount,
  type PublicClient,
  type PublicToken,
} from '../public-client.ts'
import { Exit, type Io, json, paint, UsageError } from './output.ts'
import { type ProviderFlags, settingsOf } from './settings.ts'

/** The flags of `login`, `token`, `accounts` and `logout`. */
export interface AccountFlags extends ProviderFlags {
  scope?: string[] | undefined
  account?: string | undefined
  json?: boolean | undefined
  'device-code'?: boolean | undefined
  interactive?: boolean | undefined
  'force-refresh'?: boolean | undefined
  all?: boolean | undefined
  verbose?: boolean | undefined
}

/** `--scope a --scope "b c"`: every scope once, in order. */
export function scopesOf(flags: AccountFlags): string[] {
  const all = (flags.scope ?? []).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean)
  return [...new Set(all)]
}

function clientFor(flags: AccountFlags, io: Io): PublicClient {
  const settings = settingsOf(flags, io)
  // Warnings (the plaintext cache) go to stderr, never to the stdout a script reads.
  const logger: Logger = flags.verbose ? stderrLogger(io) : warningsOnly(io)
  return createPublicClient(settings.options, { cache: settings.cachePath, env: io.env, logger })
}

/** `--verbose`: every line on stderr, so that stdout stays the result alone. */
function stderrLogger(io: Io): Logger {
  const line = (level: string) => (message: string, fields?: LogFields) =>
    io.err(
      `idweb ${level}: ${message}${fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}`,
    )
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
}

/**
 * Warnings only, on stderr. The insecure-http ones are left out: the command allows plain http
 * for a provider on this machine alone (the development provider), where they say nothing new.
 */
function warningsOnly(io: Io): Logger {
  return {
    ...silentLogger,
    warn: (m) => {
      if (!m.startsWith('INSECURE')) io.err(paint(io, 'yellow', `warning: ${m}`, 'err'))
    },
  }
}

function accountJson(a: PublicAccount) {
  return {
    username: a.username,
    name: a.name,
    homeAccountId: a.homeAccountId,
    tenantId: a.tenantId,
  }
}

function tokenJson(t: PublicToken) {
  return {
    accessToken: t.accessToken,
    tokenType: t.tokenType,
    expiresOn: t.expiresOn.toISOString(),
    scopes: t.scopes,
    fromCache: t.fromCache,
    account: {
      username: t.account.username,
      homeAccountId: t.account.homeAccountId,
      tenantId: t.account.tenantId,
    },
  }
}

async function signIn(client: PublicClient, flags: AccountFlags, io: Io, scopes: string[]) {
  if (flags['device-code']) {
    return client.acquireTokenByDeviceCode({
      scopes,
      onCode: (code) => io.err(paint(io, 'bold', code.message, 'err')),
    })
  }
  return client.acquireTokenInteractive({
    scopes,
    ...(flags.account ? { loginHint: flags.account } : {}),
    // The address is always shown: a browser command can start and still show nothing.
    openBrowser: async (url) => {
      const opened = await openSystemBrowser(url, io.env)
      io.err(
        opened
          ? 'Opening the browser to sign in. If it does not open, go to:'
          : 'No browser could be opened. Open this address to sign in:',
      )
      io.err(url)
      return true
    },
  })
}

/** `idweb login`: signs in with the browser or a device code, and caches the tokens. */
export async function login(flags: AccountFlags, io: Io): Promise<number> {
  const client = clientFor(flags, io)
  const token = await signIn(client, flags, io, scopesOf(flags))
  const a = token.account
  if (flags.json) io.out(json(accountJson(a)))
  else
    io.out(
      `${paint(io, 'green', 'Signed in')} as ${a.username}${a.name ? ` (${a.name})` : ''}, tenant ${a.tenantId || '(none)'}.`,
    )
  return Exit.ok
}

/**
 * `idweb token --scope S`: an access token from the cache, refreshed when needed. Never signs in
 * unless `--interactive`; with nobody usable signed in it exits 2.
 */
export async function token(flags: AccountFlags, io: Io): Promise<number> {
  const scopes = scopesOf(flags)
  if (scopes.length === 0 || scopes.every((s) => (OIDC_SCOPES as readonly string[]).includes(s))) {
    throw new UsageError(
      '--scope is required: the scope (or scopes) the token is for, e.g. --scope User.Read.',
    )
  }
  const client = clientFor(flags, io)
  let answer: PublicToken
  try {
    answer = await client.acquireTokenSilent({
      scopes,
      account: flags.account,
      forceRefresh: flags['force-refresh'] ?? false,
    })
  } catch (err) {
    if (!isIdwebError(err, 'IDW_INTERACTION_REQUIRED') || !flags.interactive) throw err
    answer = await signIn(client, flags, io, scopes)
  }
  io.out(flags.json ? json(tokenJson(answer)) : answer.accessToken)
  return Exit.ok
}

/** `idweb accounts`: who is signed in, in this cache file. */
export async function accounts(flags: AccountFlags, io: Io): Promise<number> {
  const all = await clientFor(flags, io).getAccounts()
  if (flags.json) io.out(json(all.map(accountJson)))
  else if (all.length === 0) io.err('Nobody is signed in. Run `idweb login`.')
  else
    for (const a of all)
      io.out(`${a.username}\t${a.tenantId}\t${paint(io, 'dim', a.homeAccountId)}`)
  return Exit.ok
}

/** `idweb logout [--account A | --all]`: removes the account's tokens from the cache file. */
export async function logout(flags: AccountFlags, io: Io): Promise<number> {
  if (flags.all && flags.account) throw new UsageError('Pass --account or --all, not both.')
  const client = clientFor(flags, io)
  const targets = flags.all ? await client.getAccounts() : [await client.getAccount(flags.account)]
  const found = targets.filter((a): a is PublicAccount => a !== undefined)
  if (found.length === 0) {
    if (flags.json) io.out(json([]))
    io.err(flags.account ? `No account ${flags.account} is signed in.` : 'Nobody is signed in.')
    return flags.account ? Exit.signInNeeded : Exit.ok
  }
  for (const a of found) {
    await client.removeAccount(a)
    if (flags.json) continue
    io.out(`Signed out ${a.username}.`)
  }
  if (flags.json) io.out(json(found.map(accountJson)))
  return Exit.ok
}

/** The exit code and message for an error a command threw. */
export function failure(err: unknown, io: Io, command: string): number {
  if (err instanceof UsageError) {
    io.err(`${paint(io, 'red', 'error:', 'err')} ${err.message}`)
    io.err(`Run \`idweb ${command} --help\` for the options.`)
    return Exit.usage
  }
  if (err instanceof InteractionRequiredError) {
    const scopes = err.scopes.filter((s) => !(OIDC_SCOPES as readonly string[]).includes(s))
    io.err(
      `${paint(io, 'red', 'error:', 'err')} no usable signed-in account (${err.reason}). Run \`idweb login${scopes.map((s) => ` --scope ${s}`).join('')}\`.`,
    )
    return Exit.signInNeeded
  }
  if (isIdwebError(err)) {
    io.err(
      `${paint(io, 'red', 'error:', 'err')} ${err.message} ${paint(io, 'dim', `(${err.code})`, 'err')}`,
    )
    const usage = err.code === 'IDW_CONFIG_INVALID' || err.code === 'IDW_ACCOUNT_AMBIGUOUS'
    return usage ? Exit.usage : Exit.failed
  }
  io.err(`${paint(io, 'red', 'error:', 'err')} ${err instanceof Error ? err.message : String(err)}`)
  return Exit.failed
}
