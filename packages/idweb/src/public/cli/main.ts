import { readFileSync } from 'node:fs'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { accounts, failure, login, logout, token } from './commands.ts'
import { decode } from './decode.ts'
import { doctor } from './doctor.ts'
import { Exit, type Io, UsageError } from './output.ts'

type Options = NonNullable<ParseArgsConfig['options']>

const PROVIDER: Options = {
  authority: { type: 'string' },
  tenant: { type: 'string' },
  'client-id': { type: 'string' },
  cache: { type: 'string' },
  config: { type: 'string' },
  verbose: { type: 'boolean' },
}

const PROVIDER_HELP = `  --authority URL   the provider, e.g. https://login.microsoftonline.com/organizations/v2.0
                    (default: appsettings.json, else IDWEB_AUTHORITY)
  --tenant T        the tenant to sign in to (a GUID, a domain, organizations, common)
  --client-id C     the app's client id (default: appsettings.json, else IDWEB_CLIENT_ID)
  --config FILE     the appsettings.json to read (default: the working directory's)
  --cache FILE      the token cache (default: IDWEB_CACHE_FILE, else ~/.idweb/cache.json;
                    IDWEB_CACHE_LOCK_TIMEOUT_MS bounds the wait for another process, 10 s)
  --verbose         log what happens to stderr (never a token)`

interface Command {
  summary: string
  usage: string
  options: Options
  positionals?: boolean
  run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number>
}

const COMMANDS: Record<string, Command> = {
  login: {
    summary: 'sign in with the browser (or a device code) and cache the tokens',
    usage: `idweb login [--device-code] [--tenant T] [--client-id C] [--scope S]... [--json]

Signs in and keeps the tokens in the cache file. Asks for openid profile offline_access plus
the scopes given. Opens the system browser; where there is none, prints the address to open.
  --device-code     sign in on another device with a code instead
  --scope S         a scope to consent to now (repeatable)
  --account USER    the sign-in name to suggest
  --json            print the account as JSON
${PROVIDER_HELP}`,
    options: {
      ...PROVIDER,
      'device-code': { type: 'boolean' },
      scope: { type: 'string', multiple: true },
      account: { type: 'string' },
      json: { type: 'boolean' },
    },
    run: (v, _p, io) => login(v, io),
  },
  token: {
    summary: 'print an access token, from the cache or refreshed',
    usage: `idweb token --scope S [--account A] [--json] [--interactive]

Prints an access token for the scopes: from the cache when it is valid, else refreshed. With
nobody usable signed in it exits 2 and says to run idweb login; it signs in only with
--interactive.
  --scope S         the scope the token is for (repeatable; required)
  --account A       whose token (a sign-in name); needed when several are signed in
  --json            print { accessToken, tokenType, expiresOn, scopes, fromCache, account }
  --interactive     sign in with the browser when no silent token is possible
  --device-code     with --interactive: sign in with a device code
  --force-refresh   ask the provider even when the cache holds a valid token
${PROVIDER_HELP}`,
    options: {
      ...PROVIDER,
      scope: { type: 'string', multiple: true },
      account: { type: 'string' },
      json: { type: 'boolean' },
      interactive: { type: 'boolean' },
      'device-code': { type: 'boolean' },
      'force-refresh': { type: 'boolean' },
    },
    run: (v, _p, io) => token(v, io),
  },
  accounts: {
    summary: 'list the signed-in accounts',
    usage: `idweb accounts [--json]

Lists the accounts in the cache file: sign-in name, tenant and home account id.
  --json            print them as JSON
${PROVIDER_HELP}`,
    options: { ...PROVIDER, json: { type: 'boolean' } },
    run: (v, _p, io) => accounts(v, io),
  },
  logout: {
    summary: 'remove an account (or all) from the cache',
    usage: `idweb logout [--account A | --all]

Removes the account and its tokens from the cache file. Without --account, the only account.
  --account A       the account to sign out (a sign-in name or home account id)
  --all             sign every account out
  --json            print the accounts signed out as JSON
${PROVIDER_HELP}`,
    options: {
      ...PROVIDER,
      account: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    run: (v, _p, io) => logout(v, io),
  },
  decode: {
    summary: 'print the header and claims of a JWT',
    usage: `idweb decode <jwt> [--json]

Prints a JWT's header and claims, its times in local time. Decodes only: the signature is not
checked. Pass - (or nothing, with a pipe) to read the token from stdin.
  --json            print { header, claims, times, expired }`,
    options: { json: { type: 'boolean' } },
    positionals: true,
    run: async (v, p, io) => {
      if (p.length > 1) throw new UsageError('Pass one JWT.')
      const arg =
        p[0] === '-' || (p[0] === undefined && !process.stdin.isTTY)
          ? readFileSync(0, 'utf8')
          : p[0]
      return decode(arg, v, io)
    },
  },
  doctor: {
    summary: 'check a configuration against its provider',
    usage: `idweb doctor [--config appsettings.json] [--redirect-uri URI] [--json]

Checks the configuration, fetches the provider's discovery document, checks that the provider
takes the redirect URI, and tries the app's credential (when it has one) with a client
credentials request. Prints what is wrong and how to fix it; exits 1 when anything is.
  --redirect-uri U  the redirect URI to check (default: http://localhost:3000 + CallbackPath
                    for a web app, http://localhost for a public client)
  --json            print { ok, checks } as JSON
${PROVIDER_HELP}`,
    options: { ...PROVIDER, 'redirect-uri': { type: 'string' }, json: { type: 'boolean' } },
    run: (v, _p, io) => doctor(v, io),
  },
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length))
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`)
  return `idweb: sign in from the command line and get tokens for APIs

Usage: idweb <command> [options]

Commands:
${lines.join('\n')}

Run idweb <command> --help for a command's options.
Exit codes: 0 done, 1 failed, 2 sign-in needed (run idweb login), 64 wrong usage or configuration.`
}

/** Runs the `idweb` command with `argv` (without node and the script); resolves its exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined
    const command = topic ? COMMANDS[topic] : undefined
    ;(name === undefined ? io.err : io.out)(command ? command.usage : overview())
    return name === undefined ? Exit.usage : Exit.ok
  }
  if (name === '--version' || name === '-V') {
    io.out(version())
    return Exit.ok
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command === undefined) {
    io.err(`error: unknown command "${name}".\n\n${overview()}`)
    return Exit.usage
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage)
    return Exit.ok
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: command.options,
      allowPositionals: command.positionals ?? false,
      strict: true,
    })
    return await command.run(values, positionals, io)
  } catch (err) {
    const parse = err as { code?: string }
    if (typeof parse.code === 'string' && parse.code.startsWith('ERR_PARSE_ARGS')) {
      return failure(new UsageError((err as Error).message), io, name)
    }
    return failure(err, io, name)
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
    return String(pkg.version)
  } catch {
    return 'unknown'
  }
}
