// The HTTP benchmark's figures as markdown, ratios first: the machine is noisy, ratios much less.
import type { AppKind } from './kinds.ts'
import type { Measurement } from './load.ts'
import type { HttpReport } from './run-http.ts'

const LABEL: Record<AppKind, string> = {
  bare: 'bare Express 5 (ceiling)',
  idweb: 'idweb',
  'express-openid-connect': 'express-openid-connect',
  'msal-node': 'msal-node, sample pattern',
}

/**
 * The ratios the targets are stated in. Each is the median over rounds of the ratio within one
 * round, where the two apps ran seconds apart: drift between rounds cancels out.
 */
export function httpRatios(report: HttpReport) {
  const by = (k: AppKind) => report.apps.find((a) => a.app === k)?.rounds ?? []
  const bare = by('bare')
  const idweb = by('idweb')
  const paired = (other: Measurement[], over: Measurement[], f: (m: Measurement) => number) => {
    const xs = other.map((m, i) => f(m) / f(over[i] as Measurement)).filter(Number.isFinite)
    return xs.length === 0 ? Number.NaN : ([...xs].sort((a, b) => a - b)[xs.length >> 1] as number)
  }
  const rps = (m: Measurement) => m.requestsPerSecond
  return {
    /** idweb's throughput as a share of the bare route's (target ≥ 0.8). */
    idwebShareOfBare: paired(idweb, bare, rps),
    /** idweb's p99 over the bare route's (target ≤ 1.3). */
    idwebP99OverBare: paired(idweb, bare, (m) => m.p99Ms),
    /** The bare route's CPU time per request over idweb's. */
    idwebCpuShareOfBare: paired(bare, idweb, (m) => m.cpuMicrosPerRequest),
    idwebOverExpressOpenidConnect: paired(idweb, by('express-openid-connect'), rps),
    idwebOverMsalNode: paired(idweb, by('msal-node'), rps),
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`

/** The report as markdown tables. */
export function httpMarkdown(report: HttpReport): string {
  const bare = report.apps.find((a) => a.app === 'bare')
  const r = httpRatios(report)
  const lines = [
    `### An authenticated route, side by side (${report.connections} connections, median of ${report.apps[0]?.rounds.length ?? 0} interleaved rounds, ${report.pinned ? 'server on CPU 1, load on CPU 0' : 'not pinned'})`,
    '',
    '| | req/s | p99 | CPU µs/req | share of bare | p99 vs bare |',
    '|---|---:|---:|---:|---:|---:|',
    ...report.apps.map(
      (a) =>
        `| ${LABEL[a.app]} | ${int(a.requestsPerSecond)} | ${a.p99Ms} ms | ${a.cpuMicrosPerRequest.toFixed(1)} | ${
          bare ? `${((100 * a.requestsPerSecond) / bare.requestsPerSecond).toFixed(0)}%` : ''
        } | ${bare ? `${(a.p99Ms / bare.p99Ms).toFixed(2)}×` : ''} |`,
    ),
    '',
    `Paired within each round, then the median: idweb keeps **${(100 * r.idwebShareOfBare).toFixed(0)}%** of the bare route's throughput (target ≥ 80%; by CPU time per request, ${(100 * r.idwebCpuShareOfBare).toFixed(0)}%), its p99 is **${r.idwebP99OverBare.toFixed(2)}×** the bare route's (target ≤ 1.3×); it serves **${r.idwebOverExpressOpenidConnect.toFixed(2)}×** express-openid-connect's and **${r.idwebOverMsalNode.toFixed(2)}×** the msal-node pattern's requests per second. Token-endpoint calls during the load: ${report.tokenCallsDuringLoad}.`,
    '',
    '### The idweb route with more signed-in users',
    '',
    '| signed-in users | req/s | p99 | CPU µs/req | RSS per user | heap per user | set-up |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...report.users.map(
      (u) =>
        `| ${int(u.users)} | ${int(u.requestsPerSecond)} | ${u.p99Ms} ms | ${u.cpuMicrosPerRequest.toFixed(1)} | ${
          u.users > 1 ? kib(u.rssPerUser) : '—'
        } | ${u.users > 1 ? kib(u.heapPerUser) : '—'} | ${u.setupSeconds.toFixed(1)} s |`,
    ),
    '',
    `### Where idweb's ${report.profile.cpuMicrosPerRequest.toFixed(1)} CPU µs per request go (top 5 self time)`,
    '',
    '| function | self | ≈ µs/req |',
    '|---|---:|---:|',
    ...report.profile.top.map(
      (f) =>
        `| \`${f.name}\` | ${f.selfPercent.toFixed(1)}% | ${((f.selfPercent / 100) * report.profile.cpuMicrosPerRequest).toFixed(1)} |`,
    ),
  ]
  return lines.join('\n')
}
