// The benchmark's moving parts: an app server in its own (pinned) process, and one autocannon
// measurement against it with that process's CPU time.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import autocannon from 'autocannon'
import type { AppKind, AppRegistration } from './kinds.ts'
import type { HotFunction } from './profile.ts'
import type { Memory, ToServer, Usage } from './server.ts'

/** Whether servers get CPU 1 and the load generator CPU 0 (`taskset`, two or more CPUs). */
export const PINNED = (() => {
  if (process.platform !== 'linux' || availableParallelism() < 2) return false
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** A message to a server, before the runner numbers it. */
type Ask = ToServer extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never

/** One app's server process. */
export class AppServer {
  readonly kind: AppKind
  readonly origin: string
  readonly #child: ChildProcess
  #next = 0
  readonly #waiting = new Map<number, (reply: Record<string, unknown>) => void>()

  private constructor(kind: AppKind, child: ChildProcess, port: number) {
    this.kind = kind
    this.#child = child
    this.origin = `http://localhost:${port}`
    child.on('message', (m: { id?: number }) => {
      if (typeof m.id === 'number') this.#waiting.get(m.id)?.(m as Record<string, unknown>)
    })
  }

  /**
   * Starts the app of `kind` (registered as `registration` at the dev IdP at `idpUrl`, trusting the CA file `caFile`). idweb runs
   * from its sources (`source`, through tsx) or, as users run it, from its built JavaScript.
   */
  static async start(
    kind: AppKind,
    registration: AppRegistration,
    idpUrl: string,
    caFile: string,
    source: boolean,
  ): Promise<AppServer> {
    const node = [
      process.execPath,
      '--expose-gc',
      ...(source ? ['--conditions=source'] : []),
      '--import',
      'tsx',
      new URL('./server.ts', import.meta.url).pathname,
      kind,
      idpUrl,
      JSON.stringify(registration),
    ]
    // Started on every CPU (the runner's own pinning would be inherited), so that the servers
    // load their modules side by side; pinned to CPU 1, every thread, once ready.
    const every = `0-${availableParallelism() - 1}`
    const [command, ...args] = PINNED ? ['taskset', '-c', every, ...node] : node
    const child = spawn(command as string, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, NODE_ENV: 'production' },
    })
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code})`)))
      child.on('message', (m: { type?: string; port?: number }) => {
        if (m.type === 'ready') resolve(m.port as number)
      })
    })
    child.removeAllListeners('exit')
    if (PINNED) execFileSync('taskset', ['-a', '-cp', '1', String(child.pid)], { stdio: 'ignore' })
    return new AppServer(kind, child, port)
  }

  async #ask<T>(request: Ask): Promise<T> {
    const id = ++this.#next
    const reply = new Promise<Record<string, unknown>>((resolve) => this.#waiting.set(id, resolve))
    this.#child.send({ ...request, id })
    const answer = await reply
    this.#waiting.delete(id)
    if (typeof answer.error === 'string') throw new Error(`${this.kind}: ${answer.error}`)
    return answer as T
  }

  usage(): Promise<Usage> {
    return this.#ask<{ usage: Usage }>({ type: 'usage' }).then((r) => r.usage)
  }

  /** Memory after full garbage collections. */
  memory(): Promise<Memory> {
    return this.#ask<{ memory: Memory }>({ type: 'memory' }).then((r) => r.memory)
  }

  /** The cookies of `users` signed-in users, the first being `cookie`'s (idweb apps only). */
  seed(users: number, cookie: string): Promise<string[]> {
    return this.#ask<{ cookies: string[] }>({ type: 'seed', users, cookie }).then((r) => r.cookies)
  }

  /**
   * A CPU profile of this server while `during` runs: its top self-time functions, and the share
   * of its busy time with idweb's code on the stack; the whole profile also written to `save`.
   */
  async profile<T>(
    during: () => Promise<T>,
    save?: string,
  ): Promise<{ result: T; top: HotFunction[]; idwebPercent: number }> {
    await this.#ask({ type: 'profile-start' })
    const result = await during()
    const { top, idwebPercent } = await this.#ask<{ top: HotFunction[]; idwebPercent: number }>({
      type: 'profile-stop',
      ...(save === undefined ? {} : { save }),
    })
    return { result, top, idwebPercent }
  }

  close(): void {
    this.#child.kill()
  }
}

/** How long, or how much, one measurement runs. */
export interface LoadShape {
  connections: number
  /** Seconds; ignored when `amount` is set. */
  duration: number
  /** A fixed number of requests instead of a duration (the smoke run). */
  amount?: number | undefined
}

/** One measurement of one app. */
export interface Measurement {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  cpuMicrosPerRequest: number
  requests: number
  /** Answers that were not 2xx, plus errors and timeouts: must be 0. */
  failures: number
}

/** Drives `GET /hello` on `server` with `cookies` (one per request, in turn). */
export async function measure(
  server: AppServer,
  cookies: readonly string[],
  shape: LoadShape,
): Promise<Measurement> {
  const before = await server.usage()
  const url = `${server.origin}/hello`
  let i = 0
  const options: autocannon.Options = {
    url,
    connections: shape.connections,
    // A fixed amount ends at the first sample tick after the last answer: tick often, so that a
    // smoke run of a few hundred requests takes a fraction of a second, not a second.
    ...(shape.amount === undefined
      ? { duration: shape.duration }
      : { amount: shape.amount, sampleInt: 20 }),
    ...(cookies.length === 1
      ? { headers: { cookie: cookies[0] as string } }
      : cookies.length > 1
        ? {
            requests: [
              {
                setupRequest: (request) => {
                  request.headers = { ...request.headers, cookie: cookies[i++ % cookies.length] }
                  return request
                },
              },
            ],
          }
        : {}),
  }
  const result = await autocannon(options)
  const after = await server.usage()
  const requests = result.requests.total
  return {
    requestsPerSecond: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, requests),
    requests,
    failures: result.non2xx + result.errors + result.timeouts,
  }
}
