// The `idweb` command as a user types it, against the dev IdP: each call a new process, piped
// for scripts (--json, exit codes) and in a pseudo-terminal for the interactive sign-in, the
// browser's part played over HTTP. The processes share one cache file, as a user's shell does.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { completeDeviceCode, signInInteractively } from '@idweb/dev-idp/testing'
import { DEV_IDP_CLI_CLIENT_ID } from '../../src/public/cli/settings.ts'
import { lockCacheFile } from '../../src/public/file-lock.ts'
import { IDWEB, idweb, idwebInTerminal, type Run } from './cli-support.ts'

const alice = demo.users.alice
const bob = demo.users.bob
const todo = demo.apps.todoApi.scope
const ESC = '\u001b['

describe('the idweb command', () => {
  let idp: DevIdp
  let dir: string
  let authority: string
  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1', rotateRefreshTokens: true })
    authority = `${idp.url}/organizations/v2.0`
    dir = mkdtempSync(join(tmpdir(), 'idweb-cli-'))
  })
  after(async () => {
    await idp.close()
    rmSync(dir, { recursive: true, force: true })
  })

  let n = 0
  const freshCache = () => join(dir, `cache-${++n}.json`)
  const envFor = (cache: string, extra: Record<string, string> = {}) => ({
    IDWEB_CACHE_FILE: cache,
    IDWEB_AUTHORITY: authority,
    ...extra,
  })

  /** The browser's part of a sign-in: open the printed address, sign in, land on the loopback. */
  async function playBrowser(run: Run, user: { username: string; password: string }) {
    const url = (await run.waitFor(/\/authorize\?/)).trim()
    const result = await signInInteractively(url, user)
    assert.equal(result.kind, 'redirect')
    const landed = await fetch(result.redirectUrl as URL)
    assert.equal(landed.status, 200)
  }

  /** Signs `user` in to `cache` through a piped `idweb login`. */
  async function loginPiped(
    cache: string,
    user: { username: string; password: string } = alice,
    scopes = [todo],
  ) {
    const run = idweb(['login', ...scopes.flatMap((s) => ['--scope', s])], envFor(cache))
    await playBrowser(run, user)
    assert.equal(await run.done, 0, run.stderr)
    assert.ok(!`${run.stdout}${run.stderr}`.includes(ESC), 'no colours in a pipe')
    return run
  }

  it('the dev IdP’s CLI registration is the client a local authority defaults to', () => {
    assert.equal(DEV_IDP_CLI_CLIENT_ID, demo.apps.cli.clientId)
  })

  it('--help on every command, exit 0; unknown commands and flags exit 64, saying why', async () => {
    for (const command of ['login', 'token', 'accounts', 'logout', 'decode', 'doctor']) {
      const run = idweb([command, '--help'], {})
      assert.equal(await run.done, 0, command)
      assert.match(run.stdout, new RegExp(`^idweb ${command}`), command)
    }
    const top = idweb(['--help'], {})
    assert.equal(await top.done, 0)
    assert.match(top.stdout, /Exit codes: 0 done, 1 failed, 2 sign-in needed/)
    const unknown = idweb(['lgoin'], {})
    assert.equal(await unknown.done, 64)
    assert.match(unknown.stderr, /unknown command "lgoin"/)
    const flag = idweb(['token', '--scopes', 'x'], {})
    assert.equal(await flag.done, 64)
    assert.match(flag.stderr, /--scopes/)
    assert.match(flag.stderr, /idweb token --help/)
    // A reader that goes away (`idweb --help | head -1`) ends the command quietly.
    const cut = idweb(['--help'], {})
    cut.child.stdout?.destroy()
    assert.equal(await cut.done, 0, cut.stderr)
    assert.doesNotMatch(cut.stderr, /EPIPE|Unhandled/)
    const noAuthority = idweb(['accounts'], { IDWEB_CACHE_FILE: freshCache() })
    assert.equal(await noAuthority.done, 64)
    assert.match(noAuthority.stderr, /No authority: pass --authority/)
  })

  it('in a terminal: login prints the address, waits for the browser, says who signed in, in colour', async () => {
    const cache = freshCache()
    const run = idwebInTerminal(['login', '--authority', authority, '--scope', todo], {
      IDWEB_CACHE_FILE: cache,
    })
    await playBrowser(run, alice)
    assert.equal(await run.done, 0, run.stdout)
    assert.match(run.stdout, /Signed in.* as alice@contoso\.example \(Alice Smith\)/)
    assert.ok(run.stdout.includes(ESC), 'colours on a terminal')
    const cached = JSON.parse(readFileSync(cache, 'utf8'))
    const secrets = ['IdToken', 'AccessToken', 'RefreshToken'].flatMap((section) =>
      Object.values<{ secret: string }>(cached[section]).map((e) => e.secret),
    )
    assert.equal(secrets.length, 3)
    for (const secret of secrets) assert.ok(!run.stdout.includes(secret), 'no token in the output')
    // A second process gets a token silently from the file the first wrote: no provider call.
    idp.grants.reset()
    const piped = idweb(['token', '--scope', todo, '--json'], envFor(cache))
    assert.equal(await piped.done, 0, piped.stderr)
    assert.ok(!piped.stdout.includes(ESC), 'no colours in a pipe')
    const answer = JSON.parse(piped.stdout)
    assert.deepEqual(Object.keys(answer).sort(), [
      'accessToken',
      'account',
      'expiresOn',
      'fromCache',
      'scopes',
      'tokenType',
    ])
    assert.equal(answer.fromCache, true)
    assert.equal(answer.account.username, alice.username)
    assert.equal(answer.account.tenantId, demo.tenants.contoso.id)
    assert.match(answer.account.homeAccountId, /^[0-9a-f-]{36}\.[0-9a-f-]{36}$/)
    assert.ok(answer.scopes.includes(todo))
    assert.ok(Date.parse(answer.expiresOn) > Date.now())
    assert.equal(idp.grants.count(), 0)
    // Plain `token` prints the token alone, for $(idweb token ...).
    const plain = idweb(['token', '--scope', todo], envFor(cache))
    assert.equal(await plain.done, 0)
    assert.equal(plain.stdout, `${answer.accessToken}\n`)
  })

  it('--tenant signs in to that tenant; a corrupt cache file is exit 1 with the file named', async () => {
    const fabrikam = demo.tenants.fabrikam.id
    const run = idweb(['login', '--tenant', fabrikam, '--json'], envFor(freshCache()))
    const url = (await run.waitFor(/\/authorize\?/)).trim()
    assert.ok(new URL(url).pathname.startsWith(`/${fabrikam}/`), url)
    const result = await signInInteractively(url, demo.users.carol)
    await fetch(result.redirectUrl as URL)
    assert.equal(await run.done, 0, run.stderr)
    assert.equal(JSON.parse(run.stdout).tenantId, fabrikam)

    const corrupt = freshCache()
    writeFileSync(corrupt, '{"Account": ')
    const broken = idweb(['accounts'], envFor(corrupt))
    assert.equal(await broken.done, 1)
    assert.ok(broken.stderr.includes(corrupt), broken.stderr)
    assert.match(broken.stderr, /IDW_CACHE_CORRUPT/)
    assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace')
  })

  it('doctor for a public client: the loopback redirect is checked, there is no credential to try', async () => {
    const run = idweb(['doctor', '--json'], envFor(freshCache()))
    assert.equal(await run.done, 0, run.stdout + run.stderr)
    const report = JSON.parse(run.stdout)
    assert.deepEqual(
      report.checks.map((c: { name: string }) => c.name),
      ['configuration', 'discovery', 'redirect URI'],
    )
    assert.match(report.checks[2].detail, /^http:\/\/localhost /)
  })

  it('nobody signed in: token exits 2, says to run idweb login, prints nothing on stdout', async () => {
    const run = idweb(['token', '--scope', todo, '--json'], envFor(freshCache()))
    assert.equal(await run.done, 2)
    assert.equal(run.stdout, '')
    assert.match(run.stderr, /Run `idweb login --scope api:\/\/.+access_as_user`/)
    const noScope = idweb(['token'], envFor(freshCache()))
    assert.equal(await noScope.done, 64)
    assert.match(noScope.stderr, /--scope is required/)
  })

  it('login --device-code: the code on stderr, the sign-in on another device, the account as JSON', async () => {
    const cache = freshCache()
    const run = idweb(['login', '--device-code', '--json', '--verbose'], envFor(cache))
    const message = await run.waitFor(/enter the code/)
    const [, uri, code] = /open the page (\S+) and enter the code (\S+) /.exec(message) ?? []
    assert.ok(uri && code, message)
    const signIn = await completeDeviceCode(uri, code, bob)
    assert.match(String(signIn.page), /signed in/)
    assert.equal(await run.done, 0, run.stderr)
    assert.equal(JSON.parse(run.stdout).username, bob.username)
    assert.match(run.stderr, /enter the code/)
    assert.match(run.stderr, /idweb info: signed in/, '--verbose logs go to stderr, never stdout')
  })

  it('accounts, then logout --account and --all', async () => {
    const cache = freshCache()
    await loginPiped(cache, alice)
    await loginPiped(cache, bob)
    const listed = idweb(['accounts', '--json'], envFor(cache))
    assert.equal(await listed.done, 0)
    assert.deepEqual(
      JSON.parse(listed.stdout)
        .map((a: { username: string }) => a.username)
        .sort(),
      [alice.username, bob.username],
    )
    const ambiguous = idweb(['token', '--scope', todo], envFor(cache))
    assert.equal(await ambiguous.done, 64)
    assert.match(ambiguous.stderr, /2 accounts are signed in/)
    const out = idweb(['logout', '--account', bob.username], envFor(cache))
    assert.equal(await out.done, 0)
    assert.match(out.stdout, /Signed out bob@contoso\.example/)
    const again = idweb(['logout', '--account', bob.username], envFor(cache))
    assert.equal(await again.done, 2)
    const forAlice = idweb(['token', '--scope', todo, '--json'], envFor(cache))
    assert.equal(await forAlice.done, 0)
    assert.equal(JSON.parse(forAlice.stdout).account.username, alice.username)
    const all = idweb(['logout', '--all'], envFor(cache))
    assert.equal(await all.done, 0)
    const none = idweb(['logout', '--all', '--json'], envFor(cache))
    assert.equal(await none.done, 0)
    assert.deepEqual(
      JSON.parse(none.stdout),
      [],
      '--json answers JSON even with nobody to sign out',
    )
    const file = JSON.parse(readFileSync(cache, 'utf8'))
    assert.equal(Object.keys(file.Account).length, 0)
    assert.equal(Object.keys(file.RefreshToken).length, 0)
  })

  it('four processes refresh at once with strict rotation: exactly one refresh, all succeed', async () => {
    const cache = freshCache()
    await loginPiped(cache, alice)
    const file = JSON.parse(readFileSync(cache, 'utf8'))
    for (const at of Object.values<{ expires_on: string }>(file.AccessToken)) {
      at.expires_on = String(Math.floor(Date.now() / 1000) - 1)
    }
    writeFileSync(cache, JSON.stringify(file))
    idp.grants.reset()
    // The four really meet: each is waiting on the lock this test holds before any may go on.
    const gate = await lockCacheFile(cache)
    const runs = [1, 2, 3, 4].map(() =>
      idweb(['token', '--scope', todo, '--json', '--verbose'], envFor(cache)),
    )
    await Promise.all(runs.map((r) => r.waitFor(/waiting for the token cache lock/)))
    await gate.release()
    const codes = await Promise.all(runs.map((r) => r.done))
    assert.deepEqual(codes, [0, 0, 0, 0], runs.map((r) => r.stderr).join('\n'))
    assert.equal(idp.grants.count('refresh_token'), 1)
    const tokens = new Set(runs.map((r) => JSON.parse(r.stdout).accessToken))
    assert.equal(tokens.size, 1, 'every process got the one refreshed token')
    assert.equal(runs.filter((r) => JSON.parse(r.stdout).fromCache === false).length, 1)
  })

  it('the lock holder killed with SIGKILL while a token call waits: it goes on at once', async () => {
    const cache = freshCache()
    await loginPiped(cache, alice)
    const fixture = new URL('./fixtures/lock-child.ts', import.meta.url).pathname
    const holder = spawn(IDWEB[0] as string, [...IDWEB.slice(1, 4), fixture, 'hold', cache], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()))
    const env = envFor(cache, { IDWEB_CACHE_LOCK_TIMEOUT_MS: '30000' })
    const run = idweb(['token', '--scope', todo, '--force-refresh', '--json', '--verbose'], env)
    await run.waitFor(/waiting for the token cache lock/)
    holder.kill('SIGKILL')
    const killed = Date.now()
    assert.equal(await run.done, 0, run.stderr)
    assert.equal(JSON.parse(run.stdout).fromCache, false)
    assert.ok(Date.now() - killed < 5000, `${Date.now() - killed} ms after the kill`)
    // And the wait is bounded: a live holder, a short limit, a clear error, exit 1.
    const live = spawn(IDWEB[0] as string, [...IDWEB.slice(1, 4), fixture, 'hold', cache], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve) => live.stdout?.once('data', () => resolve()))
    const bounded = idweb(
      ['token', '--scope', todo, '--force-refresh'],
      envFor(cache, { IDWEB_CACHE_LOCK_TIMEOUT_MS: '1000' }),
    )
    assert.equal(await bounded.done, 1)
    assert.match(bounded.stderr, /stayed locked by process \d+ for 1000 ms/)
    live.kill('SIGKILL')
  })

  it('settings: flags, then appsettings.json, then IDWEB_AUTHORITY / IDWEB_CLIENT_ID; --cache; encryption required', async () => {
    const folder = mkdtempSync(join(dir, 'settings-'))
    const fabrikam = demo.tenants.fabrikam.id
    writeFileSync(
      join(folder, 'appsettings.json'),
      JSON.stringify({ AzureAd: { Instance: `${idp.url}/`, TenantId: fabrikam } }),
    )
    const detail = async (args: string[], env: Record<string, string>) => {
      const run = idweb(['doctor', '--json', ...args], { IDWEB_CACHE_FILE: freshCache(), ...env })
      await run.done
      return JSON.parse(run.stdout).checks[0].detail as string
    }
    const other = '00000000-0000-4000-8000-0000000000cc'
    // The file's tenant wins over IDWEB_AUTHORITY; with no client id, the environment's.
    const fromFile = await detail([], {
      IDWEB_TEST_CWD: folder,
      IDWEB_AUTHORITY: authority,
      IDWEB_CLIENT_ID: other,
    })
    assert.ok(fromFile.includes(`${idp.url}/${fabrikam}/v2.0`), fromFile)
    assert.ok(fromFile.includes(`client ${other}`), fromFile)
    // A flag wins over both.
    const flagged = await detail(['--client-id', demo.apps.cli.clientId], {
      IDWEB_TEST_CWD: folder,
      IDWEB_CLIENT_ID: other,
    })
    assert.ok(flagged.includes(`client ${demo.apps.cli.clientId}`), flagged)
    // No file: the environment's authority and client id.
    const fromEnv = await detail([], { IDWEB_AUTHORITY: authority, IDWEB_CLIENT_ID: other })
    assert.ok(fromEnv.includes(`client ${other}`) && fromEnv.includes(authority), fromEnv)

    const mine = freshCache()
    await loginPiped(mine, bob)
    const listed = idweb(['accounts', '--json', '--cache', mine], envFor(freshCache()))
    assert.equal(await listed.done, 0)
    assert.deepEqual(
      JSON.parse(listed.stdout).map((a: { username: string }) => a.username),
      [bob.username],
    )
    const strict = idweb(['accounts'], envFor(mine, { IDWEB_CACHE_REQUIRE_ENCRYPTION: '1' }))
    assert.equal(await strict.done, 64)
    assert.match(strict.stderr, /IDWEB_CACHE_REQUIRE_ENCRYPTION: is set, and no keyring answers/)
  })

  it('decode: header and claims, times in local time, never verified; a non-JWT exits 64', async () => {
    const cache = freshCache()
    await loginPiped(cache, alice)
    const tokenRun = idweb(['token', '--scope', todo], envFor(cache))
    assert.equal(await tokenRun.done, 0)
    const jwt = tokenRun.stdout.trim()
    const run = idweb(['decode', jwt], { TZ: 'Asia/Kolkata' })
    assert.equal(await run.done, 0, run.stderr)
    assert.match(run.stdout, /"aud": "a0000000-0000-4000-c000-000000000002"/)
    assert.match(run.stdout, /^exp\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30$/m)
    assert.match(run.stdout, /signature was not checked/)
    assert.ok(!run.stdout.includes(jwt.split('.')[2] as string), 'the signature is not printed')
    const fromStdin = idweb(['decode', '--json'], {}, jwt)
    assert.equal(await fromStdin.done, 0)
    const decoded = JSON.parse(fromStdin.stdout)
    assert.equal(decoded.claims.preferred_username ?? decoded.claims.upn, alice.username)
    assert.equal(decoded.expired, false)
    assert.equal(decoded.verified, false)
    const bad = idweb(['decode', 'not-a-jwt'], {})
    assert.equal(await bad.done, 64)
    assert.match(bad.stderr, /not a JWT/)
  })

  it('doctor: a good web app passes; a wrong secret and an unregistered redirect URI are named with a fix', async () => {
    const app = (secret: string) => ({
      AzureAd: {
        Instance: `${idp.url}/`,
        TenantId: demo.tenants.contoso.id,
        ClientId: demo.apps.webApp.clientId,
        ClientSecret: secret,
      },
    })
    const write = (name: string, value: unknown) => {
      const folder = mkdtempSync(join(dir, `${name}-`))
      writeFileSync(join(folder, 'appsettings.json'), JSON.stringify(value))
      return folder
    }
    const good = idweb(['doctor'], {
      IDWEB_TEST_CWD: write('good', app(demo.apps.webApp.clientSecret)),
    })
    assert.equal(await good.done, 0, good.stdout + good.stderr)
    assert.match(good.stdout, /✓ configuration/)
    assert.match(good.stdout, /✓ discovery: issuer /)
    assert.match(good.stdout, /✓ redirect URI: http:\/\/localhost:3000\/signin-oidc/)
    assert.match(good.stdout, /✓ credential/)

    const badSecret = idweb(['doctor', '--json'], {
      IDWEB_TEST_CWD: write('bad', app('not-the-secret-of-this-app')),
    })
    assert.equal(await badSecret.done, 1)
    const report = JSON.parse(badSecret.stdout)
    assert.equal(report.ok, false)
    const credential = report.checks.find((c: { name: string }) => c.name === 'credential')
    assert.equal(credential.ok, false)
    assert.match(credential.fix, /ClientSecret/)
    assert.doesNotMatch(
      badSecret.stdout,
      /not-the-secret-of-this-app/,
      'the secret is never printed',
    )

    const redirect = idweb(['doctor', '--redirect-uri', 'https://elsewhere.example/cb'], {
      IDWEB_TEST_CWD: write('redirect', app(demo.apps.webApp.clientSecret)),
    })
    assert.equal(await redirect.done, 1)
    assert.match(redirect.stdout, /✗ redirect URI: https:\/\/elsewhere\.example\/cb was refused/)
    assert.match(redirect.stdout, /fix: Register https:\/\/elsewhere\.example\/cb/)
  })
})
