// The distributed section of `npm run bench`: silent hits over Redis and PostgreSQL next to
// msal-node's DistributedCachePlugin, the cost of the cross-instance consistency check, and memory
// at the largest size. Redis is a private server started for the run unless --redis=URL is given.
import { startRedis } from '../packages/idweb/test/support/redis-servers.ts'
import { type BenchAccount, makeAccounts } from './data.ts'
import {
  cleanStores,
  idwebOverStore,
  msalNodeDistributed,
  populateStore,
  type StoreScenario,
  type StoreTargets,
} from './distributed.ts'
import { microsPerCall } from './measure.ts'
import { idwebSilentHit, type Scenario } from './scenarios.ts'

export interface DistributedRow {
  name: string
  accounts: number
  micros: number
  rssBytes?: number
  l1Bytes?: number
  l1Bound?: number
}

const ROUNDS = 5
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN
const fmtMicros = (us: number) =>
  us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(2)} µs`
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`

async function timed(s: Scenario, budgetMs: number): Promise<number> {
  const { micros } = await microsPerCall(() => s.run(), { budgetMs, minCalls: 5 })
  if (s.networkCalls() !== 0) throw new Error(`${s.name} reached for the network or failed`)
  return micros
}

/** Runs every scenario at every size; prints the table and the targets; returns the rows. */
export async function runDistributed(
  sizes: number[],
  budgetMs: number,
  options: { redis?: string; postgres: string },
): Promise<{ rows: DistributedRow[]; targets: Record<string, unknown>[] }> {
  const privateRedis = options.redis ? undefined : await startRedis()
  const targets: StoreTargets = {
    redis: options.redis ?? privateRedis!.url,
    postgres: options.postgres,
    table: `idweb_bench_${process.pid}`,
  }
  const rows: DistributedRow[] = []
  const checks: Record<string, unknown>[] = []
  try {
    for (const n of sizes) {
      const accounts: BenchAccount[] = makeAccounts(n)
      const t0 = performance.now()
      await populateStore('redis', accounts, targets)
      await populateStore('postgres', accounts, targets)
      console.error(
        `  populated Redis and PostgreSQL with ${n} accounts in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      )
      // Every scenario over the same accounts, measured in interleaved rounds (order alternating,
      // median per scenario), since the machine is noisy and the consistency check costs tens of
      // nanoseconds. The L1 pair is the same hit with no store and in front of Redis with its
      // change notices on.
      const plain = await idwebSilentHit(n, { accounts })
      const watched = await idwebOverStore('redis', accounts, targets, 'l1')
      const rss = process.memoryUsage().rss
      const scenarios: (Scenario & Partial<StoreScenario>)[] = [
        plain,
        watched,
        await idwebOverStore('redis', accounts, targets, 'none'),
        await idwebOverStore('postgres', accounts, targets, 'none'),
        await msalNodeDistributed(accounts, targets),
      ]
      if (n === Math.max(...sizes) && n >= 10_000) {
        scenarios.push(await idwebOverStore('redis', accounts, targets, 'bounded'))
      }
      const samples = scenarios.map(() => [] as number[])
      for (let round = 0; round < ROUNDS; round++) {
        const order = scenarios.map((_, i) => i)
        if (round % 2 === 1) order.reverse()
        for (const i of order) samples[i]!.push(await timed(scenarios[i]!, budgetMs / 2))
      }
      const micros = samples.map(median)
      for (const [i, s] of scenarios.entries()) {
        const memory = s.memory?.()
        rows.push({
          name: i === 0 ? 'idweb, L1 only (no store)' : s.name,
          accounts: n,
          micros: micros[i]!,
          ...(i === 1 ? { rssBytes: rss, l1Bytes: memory?.bytes } : {}),
          ...(memory && Number.isFinite(memory.bound)
            ? { l1Bytes: memory.bytes, l1Bound: memory.bound, rssBytes: process.memoryUsage().rss }
            : {}),
        })
        console.error(`  ${rows.at(-1)!.name} × ${n}: ${fmtMicros(micros[i]!)}`)
        await s.close?.()
      }
      const overhead = micros[1]! / micros[0]! - 1
      checks.push({
        target: 'consistency check ≤ 20% of an L1 hit',
        accounts: n,
        value: `${(overhead * 100).toFixed(1)}%`,
        met: overhead <= 0.2,
      })
      const speedup = micros[4]! / micros[2]!
      checks.push({
        target: 'no-L1 hit on Redis ≥ 2× faster than msal-node DistributedCachePlugin',
        accounts: n,
        value: `${speedup.toFixed(2)}×`,
        met: speedup >= 2,
      })
      const bounded = rows.find((r) => r.accounts === n && r.l1Bound !== undefined)
      if (bounded) {
        checks.push({
          target: 'L1 stays within its bound',
          accounts: n,
          value: `${mib(bounded.l1Bytes ?? 0)} of ${mib(bounded.l1Bound ?? 0)}`,
          met: (bounded.l1Bytes ?? 0) <= (bounded.l1Bound ?? 0),
        })
      }
      await cleanStores(targets)
    }
  } finally {
    await cleanStores(targets).catch(() => {})
    await privateRedis?.stop()
  }
  print(rows, checks, budgetMs)
  return { rows, targets: checks }
}

function print(rows: DistributedRow[], checks: Record<string, unknown>[], budgetMs: number) {
  console.log(
    `\nSilent token acquisition over a shared store, cache hit (${budgetMs} ms per cell; Redis and PostgreSQL on this machine)\n`,
  )
  console.log('| scenario | accounts | per silent hit | process RSS | L1 holds |')
  console.log('|---|--:|--:|--:|--:|')
  for (const r of rows) {
    const held =
      r.l1Bytes === undefined
        ? '–'
        : r.l1Bound === undefined
          ? mib(r.l1Bytes)
          : `${mib(r.l1Bytes)} (bound ${mib(r.l1Bound)})`
    console.log(
      `| ${r.name} | ${r.accounts.toLocaleString('en-US')} | ${fmtMicros(r.micros)} | ${r.rssBytes ? mib(r.rssBytes) : '–'} | ${held} |`,
    )
  }
  console.log('\n| target | accounts | measured | |\n|---|--:|--:|---|')
  for (const c of checks) {
    console.log(
      `| ${c.target} | ${Number(c.accounts).toLocaleString('en-US')} | ${c.value} | ${c.met ? 'met' : 'MISSED'} |`,
    )
  }
}
