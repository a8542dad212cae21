// The Next.js example as users deploy it: idweb's package built, then `next build` once per test
// run, then `next start` in its own process, with production settings. The development provider
// is served over https for it (production refuses plain http), its local CA trusted through
// NODE_EXTRA_CA_CERTS.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const exampleDir = fileURLToPath(new URL('..', import.meta.url))
const packageDir = fileURLToPath(new URL('../../../packages/idweb/', import.meta.url))
const require = createRequire(import.meta.url)
const nextBin = require.resolve('next/dist/bin/next')
const tscBin = require.resolve('typescript/bin/tsc')

let built: Promise<void> | undefined

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(process.execPath, [command, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  })
  if (result.status !== 0) {
    throw new Error(
      `${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    )
  }
}

/** Builds idweb's package (the app loads it from dist, outside its bundle), then the app. */
export function buildOnce(): Promise<void> {
  built ??= Promise.resolve().then(() => {
    run(tscBin, ['-p', 'tsconfig.build.json'], packageDir)
    run(nextBin, ['build'], exampleDir)
  })
  return built
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** A running `next start`. */
export interface RunningNext {
  /** `http://localhost:<port>`. */
  readonly url: string
  /** What the server wrote, for failure messages and log checks. */
  output(): string
  close(): Promise<void>
}

/** Starts the built app on a free port with `env` on top of this process's environment. */
export async function startNext(env: Record<string, string>): Promise<RunningNext> {
  await buildOnce()
  const port = await freePort()
  const child: ChildProcess = spawn(
    process.execPath,
    [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: exampleDir,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    output += c
  })
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    output += c
  })
  const url = `http://localhost:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`)
    try {
      await fetch(`http://127.0.0.1:${port}/_not-found`, { redirect: 'manual' })
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`next start did not listen:\n${output}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  return {
    url,
    output: () => output,
    close: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGTERM')
      const late = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(late)
    },
  }
}

/** The environment that points the example at a provider (and, for the suite, its routes). */
export function providerEnv(idpUrl: string, caFile: string): Record<string, string> {
  return {
    AzureAd__Instance: `${idpUrl}/`,
    AzureAd__AllowInsecureHttp: 'false',
    DownstreamApis__Graph__BaseUrl: `${idpUrl}/graph/v1.0`,
    NODE_EXTRA_CA_CERTS: caFile,
  }
}
