// The HTTP benchmark: in one run, the dev IdP (https), a bare Express route, the same route behind
// idweb, express-openid-connect and the msal-node sample pattern, each signed in through the dev
// IdP's real forms and driven by autocannon in interleaved rounds; then the idweb route with more
// signed-in users, and a CPU profile of it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { APP_KINDS, type AppKind, BARE_ANSWER, SIGN_IN_PATH } from './kinds.ts'
import { AppServer, type LoadShape, type Measurement, measure, PINNED } from './load.ts'
import type { HotFunction } from './profile.ts'
import { signInTo } from './sign-in.ts'

export interface HttpBenchOptions extends LoadShape {
  /** Run idweb from its TypeScript sources (the smoke test) instead of its built JavaScript. */
  source: boolean
  rounds: number
  /** Seconds of load per app before the first round (JIT, caches). */
  warmup: LoadShape
  /** Signed-in user counts for the idweb route. */
  users: readonly number[]
  /** The load the CPU profile is taken under. */
  profile: LoadShape
  log?: (line: string) => void
}

export interface AppResult extends Measurement {
  app: AppKind
  /** Every round's measurement, in the order run. */
  rounds: Measurement[]
}

export interface UsersResult extends Measurement {
  users: number
  setupSeconds: number
  /** Resident memory the extra users added, per user (bytes); 0 for one user. */
  rssPerUser: number
  heapPerUser: number
}

export interface HttpReport {
  pinned: boolean
  connections: number
  apps: AppResult[]
  users: UsersResult[]
  /**
   * The top self-time functions of idweb's route under load, and idweb's CPU time per request
   * measured without the profiler (which adds its own).
   */
  profile: { cpuMicrosPerRequest: number; top: HotFunction[] }
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
    const cookies = new Map<AppKind, string[]>()
    for (const server of servers) {
      const path = SIGN_IN_PATH[server.kind]
      const cookie = path ? await signInTo(server.origin, path, alice, idp.caCert ?? '') : ''
      await checkAnswer(server, cookie)
      cookies.set(server.kind, cookie ? [cookie] : [])
      log(`  ${server.kind}: signed in at ${server.origin}`)
    }
    const tokenCalls = idp.grantCount()
    for (const server of servers)
      await measure(server, cookies.get(server.kind) ?? [], options.warmup)
    const samples = new Map<AppKind, Measurement[]>(APP_KINDS.map((k) => [k, []]))
    for (let round = 0; round < options.rounds; round++) {
      // Interleaved, and each round in another order, so drift on a noisy machine hits all alike.
      const order = servers.map((_, i) => servers[(i + round) % servers.length] as AppServer)
      for (const server of order) {
        const m = await measure(server, cookies.get(server.kind) ?? [], options)
        samples.get(server.kind)?.push(m)
        log(
          `  round ${round + 1} ${server.kind}: ${Math.round(m.requestsPerSecond)} req/s, p99 ${m.p99Ms} ms`,
        )
      }
    }
    const apps = APP_KINDS.map((app) => summarize(app, samples.get(app) ?? []))

    const idwebServer = servers.find((s) => s.kind === 'idweb') as AppServer
    const aliceCookie = cookies.get('idweb')?.[0] ?? ''
    const baseline = await idwebServer.memory()
    const users: UsersResult[] = []
    for (const n of options.users) {
      const t0 = performance.now()
      const list = await idwebServer.seed(n, aliceCookie)
      const setupSeconds = (performance.now() - t0) / 1000
      await measure(idwebServer, list, options.warmup)
      const m = await measure(idwebServer, list, options)
      const memory = await idwebServer.memory()
      const extra = Math.max(1, n - 1)
      users.push({
        users: n,
        setupSeconds,
        ...m,
        rssPerUser: n > 1 ? (memory.rss - baseline.rss) / extra : 0,
        heapPerUser: n > 1 ? (memory.heapUsed - baseline.heapUsed) / extra : 0,
      })
      log(`  idweb, ${n} users: ${Math.round(m.requestsPerSecond)} req/s`)
    }
    const profiled = await idwebServer.profile(() =>
      measure(idwebServer, [aliceCookie], options.profile),
    )
    const tokenCallsDuringLoad = idp.grantCount() - tokenCalls
    for (const server of servers) await checkAnswer(server, cookies.get(server.kind)?.[0] ?? '')
    return {
      pinned: PINNED,
      connections: options.connections,
      apps,
      users,
      profile: {
        cpuMicrosPerRequest: apps.find((a) => a.app === 'idweb')?.cpuMicrosPerRequest ?? Number.NaN,
        top: profiled.top,
      },
      tokenCallsDuringLoad,
    }
  } finally {
    for (const server of servers) server.close()
    await idp?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

function summarize(app: AppKind, rounds: Measurement[]): AppResult {
  return {
    app,
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuMicrosPerRequest: median(rounds.map((r) => r.cpuMicrosPerRequest)),
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    failures: rounds.reduce((n, r) => n + r.failures, 0),
    rounds,
  }
}

/** The route answers the signed-in user's name and a token before and after the load. */
async function checkAnswer(server: AppServer, cookie: string): Promise<void> {
  const res = await fetch(`${server.origin}/hello`, { headers: cookie ? { cookie } : {} })
  const body = (await res.json().catch(() => ({}))) as { name?: unknown; token?: unknown }
  const expected = server.kind === 'bare' ? BARE_ANSWER.name : demo.users.alice.name
  const jwt = typeof body.token === 'string' && body.token.split('.').length === 3
  if (
    res.status !== 200 ||
    body.name !== expected ||
    !(server.kind === 'bare' ? body.token === BARE_ANSWER.token : jwt)
  ) {
    throw new Error(`${server.kind}: /hello answered ${res.status} without the user and a token`)
  }
}
