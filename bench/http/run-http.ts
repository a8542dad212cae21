// The HTTP benchmark: in one run, the dev IdP (https) and, for Express 5, Fastify 5 and Hono on
// Node, a bare route and the same route behind idweb's adapter, with express-openid-connect and
// the msal-node sample pattern next to Express; each app in its own process, signed in through
// the dev IdP's real forms and driven by autocannon in interleaved rounds. Then each idweb route
// with more signed-in users, and a CPU profile of each.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import {
  APP_KINDS,
  type AppKind,
  BARE_ANSWER,
  FRAMEWORKS,
  frameworkOf,
  idwebKind,
  isBare,
  isIdweb,
  SIGN_IN_PATH,
} from './kinds.ts'
import { AppServer, type LoadShape, type Measurement, measure, PINNED } from './load.ts'
import type { HotFunction } from './profile.ts'
import { signInTo } from './sign-in.ts'

export interface HttpBenchOptions extends LoadShape {
  /** Run idweb from its TypeScript sources (the smoke test) instead of its built JavaScript. */
  source: boolean
  rounds: number
  /** Seconds of load per app before the first round (JIT, caches). */
  warmup: LoadShape
  /** Signed-in user counts for each idweb route. */
  users: readonly number[]
  /** The load the CPU profiles are taken under. */
  profile: LoadShape
  /** A directory to write each profile to, as `<app>.cpuprofile` (DevTools opens them). */
  profileDir?: string | undefined
  log?: (line: string) => void
}

export interface AppResult extends Measurement {
  app: AppKind
  /** Every round's measurement, in the order run. */
  rounds: Measurement[]
  /** What `GET /hello` without a cookie answered: 200 on a bare route, else 401 or a redirect. */
  anonymousStatus: number
}

export interface UsersResult extends Measurement {
  /** The idweb app measured. */
  app: AppKind
  users: number
  setupSeconds: number
  /** Resident memory the extra users added, per user (bytes); 0 for one user. */
  rssPerUser: number
  heapPerUser: number
}

/**
 * The top self-time functions of one idweb route under load, the share of its busy time with
 * idweb's code on the stack, and its CPU time per request measured without the profiler (which
 * adds its own).
 */
export interface ProfileResult {
  app: AppKind
  cpuMicrosPerRequest: number
  idwebPercent: number
  top: HotFunction[]
}

export interface HttpReport {
  pinned: boolean
  connections: number
  apps: AppResult[]
  users: UsersResult[]
  profiles: ProfileResult[]
  /** Token-endpoint calls while measuring: every answer must come from a cache. */
  tokenCallsDuringLoad: number
}

const alice = { username: demo.users.alice.username, password: demo.users.alice.password }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number

/** Runs the whole HTTP benchmark and returns every figure. */
export async function runHttpBench(options: HttpBenchOptions): Promise<HttpReport> {
  const log = options.log ?? (() => {})
  const dir = await mkdtemp(join(tmpdir(), 'idweb-bench-http-'))
  let idp: DevIdp | undefined
  const servers: AppServer[] = []
  try {
    idp = await startDevIdp({ port: 0, host: 'localhost', https: { dir } })
    const caFile = join(dir, 'ca.pem')
    await writeFile(caFile, idp.caCert ?? '')
    const url = idp.url
    const reg = {
      tenantId: demo.tenants.contoso.id,
      clientId: demo.apps.webApp.clientId,
      clientSecret: demo.apps.webApp.clientSecret,
    }
    const start = (k: AppKind) => AppServer.start(k, reg, url, caFile, options.source)
    servers.push(...(await Promise.all(APP_KINDS.map(start))))
    const server = (k: AppKind) => servers.find((s) => s.kind === k) as AppServer
    const cookies = new Map<AppKind, string[]>()
    const anonymous = new Map<AppKind, number>()
    const caCert = idp.caCert ?? ''
    await Promise.all(
      servers.map(async (s) => {
        const path = SIGN_IN_PATH[s.kind]
        const cookie = path ? await signInTo(s.origin, path, alice, caCert) : ''
        anonymous.set(s.kind, await checkApp(s, cookie))
        cookies.set(s.kind, cookie ? [cookie] : [])
        log(`  ${s.kind}: signed in at ${s.origin}`)
      }),
    )
    // A bare route gets the very requests its framework's idweb route gets, the signed-in
    // browser's Cookie header included: what differs is what idweb does, not what is sent.
    const sent = (kind: AppKind) =>
      isBare(kind) ? (cookies.get(idwebKind(frameworkOf(kind))) ?? []) : (cookies.get(kind) ?? [])
    const load = (s: AppServer, shape: LoadShape) => measure(s, sent(s.kind), shape)
    const tokenCalls = idp.grantCount()
    for (const s of servers) await load(s, options.warmup)
    const samples = new Map<AppKind, Measurement[]>(APP_KINDS.map((k) => [k, []]))
    const groups = FRAMEWORKS.map((f) => servers.filter((s) => frameworkOf(s.kind) === f))
    for (let round = 0; round < options.rounds; round++) {
      // A framework's apps one after the other, so that the bare route and idweb's run seconds
      // apart; frameworks and apps in another order each round, so drift hits all alike.
      for (const group of rotate(groups, round)) {
        for (const s of rotate(group, round)) {
          const m = await load(s, options)
          samples.get(s.kind)?.push(m)
          log(
            `  round ${round + 1} ${s.kind}: ${Math.round(m.requestsPerSecond)} req/s, p99 ${m.p99Ms} ms`,
          )
        }
      }
    }
    const apps = APP_KINDS.map((app) => ({
      ...summarize(app, samples.get(app) ?? []),
      anonymousStatus: anonymous.get(app) ?? 0,
    }))

    const users: UsersResult[] = []
    const profiles: ProfileResult[] = []
    if (options.profileDir) await mkdir(options.profileDir, { recursive: true })
    for (const app of APP_KINDS.filter(isIdweb)) {
      const s = server(app)
      const aliceCookie = cookies.get(app)?.[0] ?? ''
      const baseline = await s.memory()
      for (const n of options.users) {
        const t0 = performance.now()
        const list = await s.seed(n, aliceCookie)
        const setupSeconds = (performance.now() - t0) / 1000
        await checkSeeded(s, list)
        await measure(s, list, options.warmup)
        const m = await measure(s, list, options)
        const memory = await s.memory()
        const extra = Math.max(1, n - 1)
        users.push({
          app,
          users: n,
          setupSeconds,
          ...m,
          rssPerUser: n > 1 ? (memory.rss - baseline.rss) / extra : 0,
          heapPerUser: n > 1 ? (memory.heapUsed - baseline.heapUsed) / extra : 0,
        })
        log(`  ${app}, ${n} users: ${Math.round(m.requestsPerSecond)} req/s`)
      }
      const save = options.profileDir ? resolve(options.profileDir, `${app}.cpuprofile`) : undefined
      const profiled = await s.profile(() => measure(s, [aliceCookie], options.profile), save)
      profiles.push({
        app,
        cpuMicrosPerRequest: apps.find((a) => a.app === app)?.cpuMicrosPerRequest ?? Number.NaN,
        idwebPercent: profiled.idwebPercent,
        top: profiled.top,
      })
    }
    const tokenCallsDuringLoad = idp.grantCount() - tokenCalls
    for (const s of servers) await checkApp(s, cookies.get(s.kind)?.[0] ?? '')
    return {
      pinned: PINNED,
      connections: options.connections,
      apps,
      users,
      profiles,
      tokenCallsDuringLoad,
    }
  } finally {
    for (const server of servers) server.close()
    await idp?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/** `xs` starting at its `by`-th element (modulo its length), wrapping round. */
function rotate<T>(xs: readonly T[], by: number): T[] {
  return xs.map((_, i) => xs[(i + by) % xs.length] as T)
}

function summarize(app: AppKind, rounds: Measurement[]): Omit<AppResult, 'anonymousStatus'> {
  return {
    app,
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuMicrosPerRequest: median(rounds.map((r) => r.cpuMicrosPerRequest)),
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    failures: rounds.reduce((n, r) => n + r.failures, 0),
    rounds,
  }
}

interface Hello {
  status: number
  name?: unknown
  token?: unknown
}

async function hello(server: AppServer, cookie: string): Promise<Hello> {
  const res = await fetch(`${server.origin}/hello`, {
    headers: cookie ? { cookie } : {},
    redirect: 'manual',
  })
  const body = (await res.json().catch(() => ({}))) as { name?: unknown; token?: unknown }
  return { status: res.status, name: body.name, token: body.token }
}

const isJwt = (token: unknown) => typeof token === 'string' && token.split('.').length === 3

/**
 * The route answers the signed-in user's name and a token (a bare route: its fixed answer), and
 * an app with an identity layer refuses a request without a cookie (401 or a redirect to its
 * sign-in). Returns the anonymous answer's status.
 */
async function checkApp(server: AppServer, cookie: string): Promise<number> {
  const signedIn = await hello(server, cookie)
  const bare = isBare(server.kind)
  const ok =
    signedIn.status === 200 &&
    (bare
      ? signedIn.name === BARE_ANSWER.name && signedIn.token === BARE_ANSWER.token
      : signedIn.name === demo.users.alice.name && isJwt(signedIn.token))
  if (!ok) {
    throw new Error(
      `${server.kind}: /hello answered ${signedIn.status} without the user and a token`,
    )
  }
  if (bare) return signedIn.status
  const anonymous = await hello(server, '')
  const refused = anonymous.status === 401 || (anonymous.status >= 300 && anonymous.status < 400)
  if (!refused || anonymous.token !== undefined) {
    throw new Error(`${server.kind}: /hello without a cookie answered ${anonymous.status}`)
  }
  return anonymous.status
}

/** The last of the seeded users' cookies gets that user's name and a token from the cache. */
async function checkSeeded(server: AppServer, cookies: readonly string[]): Promise<void> {
  const last = cookies.length - 1
  const answer = await hello(server, cookies[last] ?? '')
  const name = last === 0 ? demo.users.alice.name : `User ${last}`
  const token = typeof answer.token === 'string' && answer.token.length > 0
  if (answer.status !== 200 || answer.name !== name || !token) {
    throw new Error(`${server.kind}: seeded user ${last} got ${answer.status}, not its name`)
  }
}
