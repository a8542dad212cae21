// idweb as a user gets it: both packages built and packed (scripts/pack.mjs), installed from the
// tarballs into an empty project outside the workspace, with express and the Graph client from
// the registry and no workspace links. Then, with plain node: the packed dev IdP (its `bin`), a
// todo API on `idweb/api`, and the README's 20-line example verbatim; a sign-in by HTTP, /me and
// /todos; the example typechecks under NodeNext and bundler resolution; `require('idweb')` works;
// the `idweb` command runs from node_modules/.bin.
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = new URL('../../../../', import.meta.url).pathname
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const TENANT = '10000000-0000-4000-a000-000000000001'
const WEB_APP = 'a0000000-0000-4000-c000-000000000001'
const TODO_API = 'a0000000-0000-4000-c000-000000000002'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Starts `node <args>` in `cwd` and resolves once `ready` shows in its output. */
function start(
  cwd: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  command = process.execPath,
) {
  // A process group of its own: `npx` runs the bin as its child, and both must go at the end.
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true })
  let output = ''
  const started = new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args[0]} did not start:\n${output}`)),
      30_000,
    )
    const seen = (chunk: Buffer) => {
      output += chunk.toString()
      if (ready.test(output)) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout.on('data', seen)
    child.stderr.on('data', seen)
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}:\n${output}`)))
  })
  return { child, started, output: () => output }
}

/** The ```ts block under "## In 20 lines" of the root README. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## In 20 lines'))
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(block, 'the README has its 20-line example')
  return block
}

describe('the packed packages, installed outside the workspace', () => {
  let dir: string
  let tarballs: string[] = []
  const children: ChildProcess[] = []
  const ports = { idp: 0, api: 0, web: 0 }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idweb-consumer-'))
    const { stdout } = await run(
      process.execPath,
      [join(root, 'scripts/pack.mjs'), join(dir, 'tarballs')],
      { cwd: root },
    )
    const [idweb, devIdp] = stdout.trim().split('\n').slice(-2)
    assert.ok(idweb?.endsWith('.tgz') && devIdp?.endsWith('.tgz'), stdout)
    tarballs = [idweb, devIdp] as string[]
    const app = join(dir, 'app')
    await run('mkdir', ['-p', app])
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: {
          idweb: `file:${idweb}`,
          '@idweb/dev-idp': `file:${devIdp}`,
          express: '^5.1.0',
          '@microsoft/microsoft-graph-client': '^3.0.7',
        },
        devDependencies: { '@types/express': '^5.0.0', '@types/node': '^22.0.0' },
      }),
    )
    await run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      timeout: 180_000,
    })
    ports.idp = await freePort()
    ports.api = await freePort()
    ports.web = await freePort()
  })
  after(async () => {
    for (const c of children) {
      if (c.pid !== undefined && c.exitCode === null) process.kill(-c.pid, 'SIGTERM')
    }
    await rm(dir, { recursive: true, force: true })
  })

  it('each tarball carries README, LICENSE and CHANGELOG, and only built JavaScript and types', async () => {
    for (const tarball of tarballs) {
      const { stdout } = await run('tar', ['tzf', tarball])
      const files = stdout.trim().split('\n')
      for (const f of ['package/README.md', 'package/LICENSE', 'package/CHANGELOG.md']) {
        assert.ok(files.includes(f), `${tarball} has ${f}`)
      }
      assert.deepEqual(
        files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
        [],
        'no TypeScript sources',
      )
      const { stdout: manifest } = await run('tar', ['xzf', tarball, '-O', 'package/package.json'])
      const pkg = JSON.parse(manifest)
      assert.doesNotMatch(JSON.stringify(pkg.exports), /"source"/, 'no `source` condition')
      assert.equal(pkg.devDependencies, undefined)
      for (const field of ['repository', 'homepage', 'bugs', 'keywords'])
        assert.ok(pkg[field], field)
    }
  })

  it('runs the README example with plain node: sign-in by HTTP, /me and /todos', async () => {
    const app = join(dir, 'app')
    const idpUrl = `http://localhost:${ports.idp}`
    // The packed dev IdP, through its bin.
    const idp = start(
      app,
      ['--no-install', '@idweb/dev-idp', '--port', String(ports.idp)],
      {},
      /localhost:\d+/,
      process.platform === 'win32' ? 'npx.cmd' : 'npx',
    )
    children.push(idp.child)
    await idp.started
    await writeFile(
      join(app, 'api.mjs'),
      `import express from 'express'
import { createBearerValidator } from 'idweb/api'
import { requireBearer } from 'idweb/express'
const validator = createBearerValidator({
  discoveryUrl: '${idpUrl}/${TENANT}/v2.0/.well-known/openid-configuration',
  clientId: '${TODO_API}',
})
const app = express()
app.get('/todos', requireBearer(validator, { scopes: ['access_as_user'] }), (req, res) =>
  res.json([{ id: '1', title: 'Packed', owner: req.auth.oid }]),
)
app.listen(${ports.api}, '127.0.0.1', () => console.log('api listening'))
`,
    )
    const api = start(app, ['api.mjs'], {}, /api listening/)
    children.push(api.child)
    await api.started
    await writeFile(
      join(app, 'appsettings.json'),
      JSON.stringify({
        AzureAd: {
          Instance: `${idpUrl}/`,
          TenantId: TENANT,
          ClientId: WEB_APP,
          ClientSecret: 'webapp-secret-dev-only',
          InitialScopes: ['User.Read'],
          AllowInsecureHttp: true,
        },
        DownstreamApis: {
          TodoApi: {
            BaseUrl: `http://127.0.0.1:${ports.api}/`,
            Scopes: [`api://${TODO_API}/access_as_user`],
          },
          Graph: { BaseUrl: `${idpUrl}/graph/v1.0`, Scopes: ['User.Read'] },
        },
        Idweb: { Session: { Secrets: ['a-consumer-test-session-secret-0123456789abcdef'] } },
      }),
    )
    await writeFile(join(app, 'server.mjs'), await readmeExample())
    const web = start(app, ['server.mjs'], { PORT: String(ports.web) }, /./)
    children.push(web.child)
    const base = `http://localhost:${ports.web}`
    await waitFor(`${base}/`)

    // Sign in by HTTP through the packed dev IdP, with its own testing helpers.
    const { CookieJar, signInInteractively } = await import(
      join(app, 'node_modules/@idweb/dev-idp/dist/testing/index.js')
    )
    const browser = new CookieJar()
    const jar = new CookieJar()
    const send = async (path: string, init: RequestInit = {}) => {
      const url = new URL(path, base)
      const cookie = jar.header(url)
      const res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...(init.headers ?? {}) },
      })
      jar.store(url, res.headers)
      return res
    }
    /** Follows the app's redirect to the provider and posts the answer back, as a browser does. */
    const throughProvider = async (res: Response) => {
      const answer = await signInInteractively(String(res.headers.get('location')), {
        username: 'alice@contoso.example',
        password: 'alice',
        jar: browser,
      })
      const form = answer.formPost
      assert.ok(form, `the provider answers with a form post (${answer.kind})`)
      return send(new URL(form.action).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form.params),
      })
    }
    /** GETs `path`, going through sign-in or consent when the app asks, as often as it asks. */
    const getJson = async (path: string) => {
      let res = await send(path)
      for (let hop = 0; hop < 4 && res.status >= 300 && res.status < 400; hop++) {
        const location = String(res.headers.get('location'))
        res = location.startsWith(idpUrl) ? await throughProvider(res) : await send(location)
      }
      assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`)
      return res.json()
    }

    const me = await getJson('/me')
    assert.equal(me.displayName ?? me.name, 'Alice Smith')
    const todos = await getJson('/todos')
    assert.deepEqual(todos[0]?.title, 'Packed')
    assert.equal(todos[0]?.owner, '10000000-0000-4000-b000-00000000a11c')
    assert.doesNotMatch(web.output(), /Unsupported runtime/)
  })

  it('the example typechecks under NodeNext and bundler resolution', async () => {
    const app = join(dir, 'app')
    await writeFile(join(app, 'server.ts'), await readmeExample())
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    for (const [module, moduleResolution] of [
      ['NodeNext', 'NodeNext'],
      ['ESNext', 'Bundler'],
    ]) {
      const config = join(app, `tsconfig.${moduleResolution}.json`)
      await writeFile(
        config,
        JSON.stringify({
          compilerOptions: {
            module,
            moduleResolution,
            target: 'ES2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: ['node'],
          },
          files: ['server.ts'],
        }),
      )
      const result = await run(process.execPath, [tsc, '-p', config], { cwd: app }).catch(
        (err: { stdout?: string; stderr?: string }) => err,
      )
      assert.equal(
        'code' in result ? (result as { code?: number }).code : 0,
        0,
        `${moduleResolution}: ${result.stdout}${result.stderr}`,
      )
    }
  })

  it('the idweb command is installed: --help, and token against the packed dev IdP exits 2', async () => {
    const app = join(dir, 'app')
    const bin = join(app, 'node_modules', '.bin', 'idweb')
    const help = await run(bin, ['--help'], { cwd: app })
    assert.match(help.stdout, /^idweb: sign in from the command line/)
    const env = {
      ...process.env,
      IDWEB_AUTHORITY: `http://localhost:${ports.idp}/organizations/v2.0`,
      IDWEB_CACHE_FILE: join(dir, 'cli-cache.json'),
      IDWEB_CACHE_ENCRYPTION: 'none',
    }
    const token = await run(bin, ['token', '--scope', `api://${TODO_API}/access_as_user`], {
      cwd: app,
      env,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    )
    assert.equal(token.code, 2, token.stderr)
    assert.match(token.stderr, /Run `idweb login --scope api:/)
    const accounts = await run(bin, ['accounts', '--json'], { cwd: app, env })
    assert.deepEqual(JSON.parse(accounts.stdout), [])
  })

  it('require("idweb") works too', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        "const idweb = require('idweb'); console.log(typeof idweb.createIdweb, typeof require('idweb/express').idwebMiddleware)",
      ],
      { cwd: join(dir, 'app') },
    )
    assert.equal(stdout.trim(), 'function function')
  })
})

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const ok = await fetch(url).then(
      () => true,
      () => false,
    )
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not answer`)
}
