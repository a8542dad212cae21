// Silent token acquisition on a cache hit, idweb next to msal-node, with 1, 10,000 and 100,000
// cached accounts: µs per call and heap per cached account; then what the sign-out revocation
// check adds to reading the session of an authenticated request; then the same hit over Redis and
// PostgreSQL next to msal-node's DistributedCachePlugin; then the authenticated HTTP request on
// Express 5, Fastify 5 and Hono, idweb's adapter next to the same framework's bare route, and on
// Express next to express-openid-connect and the msal-node sample pattern (bench/http); then a
// flood of back-channel logout tokens through idweb's route: time and heap per token.
// Options: --sizes=1,10000 --budget-ms=1500 (time spent measuring each scenario) --redis=URL
// (default: a private redis-server for the run) --postgres=URL --json=results.json (where every
// figure is written) --only=silent,session,distributed,http,logout (default: every section)
// --logout-tokens=10000 (the flood's sizes)
// --http-seconds=5 (per measurement) --http-rounds=7 (interleaved rounds; each ratio is the
// median of the rounds' paired ratios) --http-users=1,1000,10000 --http-profiles=DIR (where the
// idweb routes' CPU profiles are written, one `.cpuprofile` per framework).
import { writeFileSync } from 'node:fs'
import { httpMarkdown, httpRatios } from './http/report.ts'
import { type HttpReport, runHttpBench } from './http/run-http.ts'
import { type LogoutFloodRow, logoutMarkdown, runLogoutFlood } from './logout.ts'
import { microsPerCall, settledHeap } from './measure.ts'
import { runDistributed } from './run-distributed.ts'
import { idwebSilentHit, msalNodeSilentHit, type Scenario } from './scenarios.ts'
import { type RevocationMode, sessionRead } from './session.ts'

const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const sizes = (arg('sizes') ?? '1,10000,100000').split(',').map(Number)
const budgetMs = Number(arg('budget-ms') ?? 1500)
const only = arg('only')?.split(',')
const want = (section: string) => only === undefined || only.includes(section)

interface Row {
  name: string
  accounts: number
  micros: number
  calls: number
  heapPerAccount: number
  setupMs: number
}

/** idweb's one-account scenarios, kept to be measured again in interleaved rounds. */
let kept: { scenario: Scenario; row: Row; samples: number[] }[] = []

async function measure(make: () => Promise<Scenario>): Promise<Row> {
  const before = settledHeap()
  const t0 = performance.now()
  const scenario = await make()
  const setupMs = performance.now() - t0
  const heap = settledHeap() - before
  const { micros, calls } = await microsPerCall(() => scenario.run(), { budgetMs, minCalls: 5 })
  if (scenario.networkCalls() !== 0) throw new Error(`${scenario.name} reached for the network`)
  const row = {
    name: scenario.name,
    accounts: scenario.accounts,
    micros,
    calls,
    heapPerAccount: heap / scenario.accounts,
    setupMs,
  }
  if (scenario.name === 'idweb') kept.push({ scenario, row, samples: [micros] })
  return row
}

const rows: Row[] = []
for (const n of want('silent') ? sizes : []) {
  for (const make of [
    () => idwebSilentHit(n),
    () => idwebSilentHit(n, { rotate: true }),
    () => msalNodeSilentHit(n),
  ]) {
    const row = await measure(make)
    rows.push(row)
    console.error(
      `  ${row.name} × ${n}: ${row.micros.toFixed(2)} µs (${row.calls} calls, set up in ${(row.setupMs / 1000).toFixed(1)} s)`,
    )
  }
}

// The flatness target compares sizes measured minutes apart on a noisy machine: measure idweb's
// one-account hit at every size again in interleaved rounds, and keep the median.
for (let round = 0; round < 4; round++) {
  const order = round % 2 === 0 ? [...kept].reverse() : kept
  for (const k of order) {
    k.samples.push((await microsPerCall(() => k.scenario.run(), { budgetMs, minCalls: 5 })).micros)
  }
}
for (const k of kept) k.row.micros = [...k.samples].sort((a, b) => a - b)[k.samples.length >> 1]!
kept = []

const fmtMicros = (us: number) =>
  us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(2)} µs`
if (want('silent')) printSilent()
function printSilent() {
  const fmtBytes = (b: number) =>
    b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${Math.round(b)} B`
  const table = rows.map((r) => ({
    library: r.name,
    accounts: r.accounts.toLocaleString('en-US'),
    'per silent hit': fmtMicros(r.micros),
    'heap per account': r.accounts >= 1000 ? fmtBytes(r.heapPerAccount) : '(fixed costs)',
  }))
  const widths = Object.keys(table[0]!).map((k) =>
    Math.max(k.length, ...table.map((t) => String(t[k as keyof typeof t]).length)),
  )
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
  console.log(
    `\nSilent token acquisition, cache hit (node ${process.version}, ${budgetMs} ms per cell)\n`,
  )
  console.log(line(Object.keys(table[0]!)))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const t of table) console.log(line(Object.values(t)))

  const idweb = rows.filter((r) => r.name === 'idweb')
  const worst = Math.max(...idweb.map((r) => r.micros))
  const smallest = idweb.find((r) => r.accounts === Math.min(...sizes))
  const largest = idweb.find((r) => r.accounts === Math.max(...sizes))
  console.log(
    `\nidweb target ≤ 5 µs per hit: ${worst <= 5 ? 'met' : 'MISSED'} (worst ${worst.toFixed(2)} µs)`,
  )
  if (smallest && largest && smallest !== largest) {
    const ratio = largest.micros / smallest.micros
    console.log(
      `idweb target ${largest.accounts.toLocaleString('en-US')} accounts within 1.5× of ${smallest.accounts}: ${ratio <= 1.5 ? 'met' : 'MISSED'} (${ratio.toFixed(2)}×)`,
    )
  }
}

// The revocation check on the authenticated path: the session read with the check off, with
// revocations in process memory, and over a store (one store read per request); and the check
// alone. Scenarios run in 3 interleaved rounds (median), since one session read is ~50-100 µs of
// AES-GCM and JSON whose noise would hide a microsecond.
const modes: [RevocationMode, number][] = [
  ['off', 0],
  ['memory', 0],
  ['memory', 100_000],
  ['shared store', 0],
  ['shared store', 100_000],
]
const scenarios = want('session')
  ? await Promise.all(modes.map(([mode, revoked]) => sessionRead(mode, revoked)))
  : []
const samples = scenarios.map(() => ({ read: [] as number[], check: [] as number[] }))
for (let round = 0; round < 3; round++) {
  for (const [i, scenario] of scenarios.entries()) {
    const read = await microsPerCall(() => scenario.run(), { budgetMs, minCalls: 5 })
    const check = await microsPerCall(() => scenario.check(), {
      budgetMs: budgetMs / 2,
      minCalls: 5,
    })
    samples[i]?.read.push(read.micros)
    samples[i]?.check.push(check.micros)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN
if (want('session')) printSessions()
function printSessions() {
  console.log('\nSession read of an authenticated request, with the sign-out revocation check\n')
  console.log(
    '| revocation check | sessions revoked | session read | the check alone | its share |',
  )
  console.log('|---|--:|--:|--:|--:|')
  for (const [i, scenario] of scenarios.entries()) {
    const read = median(samples[i]?.read ?? [])
    const check = i === 0 ? 0 : median(samples[i]?.check ?? [])
    console.log(
      `| ${scenario.name} | ${(modes[i]?.[1] ?? 0).toLocaleString('en-US')} | ${fmtMicros(read)} | ${i === 0 ? '–' : fmtMicros(check)} | ${i === 0 ? '–' : `${((100 * check) / read).toFixed(1)}%`} |`,
    )
  }
}

const distributed = want('distributed')
  ? await runDistributed(sizes, budgetMs, {
      ...(arg('redis') ? { redis: arg('redis') } : {}),
      postgres: arg('postgres') ?? 'postgres://postgres@127.0.0.1:5432/test',
    })
  : undefined

let http: HttpReport | undefined
if (want('http')) {
  // Many short rounds rather than a few long ones: on a shared machine a route's throughput
  // drifts by up to 2x within a minute, and the median of seven pairs taken seconds apart
  // is steadier than the median of three.
  const seconds = Number(arg('http-seconds') ?? 5)
  console.error('\nHTTP: starting the dev IdP and the apps (bare and idweb per framework, peers)')
  http = await runHttpBench({
    // As users run it: the built JavaScript (`npm run bench` builds it first).
    source: false,
    connections: 50,
    duration: seconds,
    rounds: Number(arg('http-rounds') ?? 7),
    warmup: { connections: 50, duration: Math.max(1, Math.round(seconds / 3)) },
    users: (arg('http-users') ?? '1,1000,10000').split(',').map(Number),
    profile: { connections: 50, duration: Math.max(1, Math.round(seconds / 2)) },
    profileDir: arg('http-profiles'),
    log: (l) => console.error(l),
  })
  console.log(`\n${httpMarkdown(http)}`)
}
let logout: LogoutFloodRow[] | undefined
if (want('logout')) {
  const sizes = (arg('logout-tokens') ?? '10000').split(',').map(Number)
  console.error('\nLogout: a flood of back-channel logout tokens through /backchannel-logout')
  logout = await runLogoutFlood(sizes)
  console.log('\nBack-channel logout tokens, each valid and for another provider session\n')
  console.log(logoutMarkdown(logout))
}
const jsonPath = arg('json') ?? 'results.json'
writeFileSync(
  jsonPath,
  `${JSON.stringify(
    {
      node: process.version,
      budgetMs,
      silentHit: rows,
      distributed: distributed?.rows,
      targets: distributed?.targets,
      http: http && { ...http, ratios: httpRatios(http) },
      logout,
    },
    null,
    2,
  )}\n`,
)
console.log(`\nEvery figure: ${jsonPath}`)
