// Mounts in another runtime: the Hono contract app served by Bun or Deno (runtime-entry.ts), each
// from the root devDependency of that name (node_modules/.bin). The child gets the suite's setup
// as JSON, prints the port it listens on and its runtime, and is stopped on close: stdin closed, then SIGTERM,
// then SIGKILL if it lingers. It also ends by itself when this process does (its stdin closes).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Served } from './apps.ts'
import { LISTENING, type SuiteSetup } from './contract.ts'

export type Runtime = 'bun' | 'deno'

const binOf = (runtime: Runtime) =>
  fileURLToPath(new URL(`../../../../../node_modules/.bin/${runtime}`, import.meta.url))
const entry = fileURLToPath(new URL('./runtime-entry.ts', import.meta.url))

/**
 * Deno's least permissions for the app: the network (its own listener, the provider, the test
 * issuer), nothing else; packages from the npm install's node_modules, never downloaded.
 */
const argsOf = (runtime: Runtime, setup: SuiteSetup): string[] =>
  runtime === 'bun'
    ? ['run', entry, JSON.stringify(setup)]
    : ['run', '--allow-net', '--node-modules-dir=manual', entry, JSON.stringify(setup)]

/** Why `runtime` cannot run here, or undefined when it can. */
export function missingRuntime(runtime: Runtime): string | undefined {
  const bin = binOf(runtime)
  return existsSync(bin)
    ? undefined
    : `${runtime} is not installed (no ${bin}): run \`npm install\` at the repository root`
}

const STARTUP_MS = 30_000
const STOP_MS = 5_000

export function runtimeMount(runtime: Runtime): (setup: SuiteSetup) => Promise<Served> {
  return async (setup) => {
    const missing = missingRuntime(runtime)
    if (missing) throw new Error(missing)
    const child = spawn(binOf(runtime), argsOf(runtime, setup), {
      stdio: ['pipe', 'pipe', 'pipe'],
      // No update checks, crash reports or telemetry: this machine reaches no one but loopback.
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1' },
    })
    const port = await listeningPort(runtime, child)
    return { url: `http://localhost:${port}`, close: () => stop(child) }
  }
}

/** Resolves with the port the child prints, or rejects with what it said. */
function listeningPort(runtime: Runtime, child: ChildProcess): Promise<number> {
  const line = new RegExp(`^${LISTENING}(\\d+) \\((\\w+) ([^)]+)\\)$`, 'm')
  let stdout = ''
  let stderr = ''
  let settled = false
  child.stdout?.setEncoding('utf8')
  child.stderr?.setEncoding('utf8')
  // Both pipes are read to the end, so a chatty child never blocks on a full pipe; only their
  // tails are kept, for a failure message.
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000)
  })
  return new Promise<number>((resolve, reject) => {
    const settle = (why: string | undefined, port?: number) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (port !== undefined) return resolve(port)
      child.kill('SIGKILL')
      reject(new Error(`${runtime} ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    }
    const timer = setTimeout(() => settle(`printed no port in ${STARTUP_MS} ms`), STARTUP_MS)
    child.once('error', (error) => settle(`could not start: ${error.message}`))
    child.once('exit', (code, signal) => settle(`exited (${signal ?? code}) before listening`))
    child.stdout?.on('data', (chunk: string) => {
      if (settled) return
      stdout = (stdout + chunk).slice(-8_000)
      const found = line.exec(stdout)
      if (!found) return
      // The app must be served by the runtime asked for, not by whatever answered to its name.
      if (found[2] !== runtime) settle(`answered as ${found[2]} ${found[3]}`)
      else settle(undefined, Number(found[1]))
    })
  })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.stdin?.end()
  child.kill('SIGTERM')
  const late = setTimeout(() => child.kill('SIGKILL'), STOP_MS)
  await exited
  clearTimeout(late)
}
