// The HTTP benchmark's figures as markdown, ratios first: the machine is noisy, ratios much less.
import {
  type AppKind,
  bareKind,
  FRAMEWORK_LABEL,
  FRAMEWORKS,
  type Framework,
  frameworkOf,
  idwebKind,
} from './kinds.ts'
import type { Measurement } from './load.ts'
import type { HttpReport } from './run-http.ts'

const LABEL: Record<AppKind, string> = {
  'express-bare': 'bare Express 5 (ceiling)',
  'express-idweb': 'idweb (`idweb/express`)',
  'express-openid-connect': 'express-openid-connect',
  'msal-node': 'msal-node, sample pattern',
  'fastify-bare': 'bare Fastify 5 (ceiling)',
  'fastify-idweb': 'idweb (`idweb/fastify`)',
  'hono-bare': 'bare Hono (ceiling)',
  'hono-idweb': 'idweb (`idweb/hono`)',
}

/** idweb next to the bare route of one framework. */
export interface FrameworkRatios {
  /** idweb's throughput as a share of the bare route's (target ≥ 0.8). */
  idwebShareOfBare: number
  /** idweb's p99 over the bare route's (target ≤ 1.3). */
  idwebP99OverBare: number
  /** The bare route's CPU time per request over idweb's. */
  idwebCpuShareOfBare: number
}

/** The throughput target: idweb keeps this share of the bare route's requests per second. */
export const SHARE_TARGET = 0.8

/**
 * The ratios the targets are stated in. Each is the median over rounds of the ratio within one
 * round, where the two apps ran seconds apart: drift between rounds cancels out.
 */
export function httpRatios(report: HttpReport) {
  const by = (k: AppKind) => report.apps.find((a) => a.app === k)?.rounds ?? []
  const paired = (other: Measurement[], over: Measurement[], f: (m: Measurement) => number) => {
    const xs = other.map((m, i) => f(m) / f(over[i] as Measurement)).filter(Number.isFinite)
    return xs.length === 0 ? Number.NaN : ([...xs].sort((a, b) => a - b)[xs.length >> 1] as number)
  }
  const rps = (m: Measurement) => m.requestsPerSecond
  const frameworks = {} as Record<Framework, FrameworkRatios>
  for (const f of FRAMEWORKS) {
    const bare = by(bareKind(f))
    const idweb = by(idwebKind(f))
    frameworks[f] = {
      idwebShareOfBare: paired(idweb, bare, rps),
      idwebP99OverBare: paired(idweb, bare, (m) => m.p99Ms),
      idwebCpuShareOfBare: paired(bare, idweb, (m) => m.cpuMicrosPerRequest),
    }
  }
  const expressIdweb = by('express-idweb')
  return {
    frameworks,
    idwebOverExpressOpenidConnect: paired(expressIdweb, by('express-openid-connect'), rps),
    idwebOverMsalNode: paired(expressIdweb, by('msal-node'), rps),
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`
const pct = (x: number) => `${(100 * x).toFixed(0)}%`

/** The report as markdown tables. */
export function httpMarkdown(report: HttpReport): string {
  const r = httpRatios(report)
  const app = (k: AppKind) => report.apps.find((a) => a.app === k)
  const rounds = report.apps[0]?.rounds.length ?? 0
  const shape = `${report.connections} connections, median of ${rounds} interleaved rounds, ${report.pinned ? 'servers on CPU 1, load on CPU 0' : 'not pinned'}`
  const lines = [
    `### idweb next to the bare route of each framework (${shape})`,
    '',
    '| framework | bare req/s | idweb req/s | idweb/bare req/s | by CPU µs/req | p99 idweb/bare | ≥ 80% of bare |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...FRAMEWORKS.map((f) => {
      const ratios = r.frameworks[f]
      return `| ${FRAMEWORK_LABEL[f]} | ${int(app(bareKind(f))?.requestsPerSecond ?? Number.NaN)} | ${int(app(idwebKind(f))?.requestsPerSecond ?? Number.NaN)} | **${pct(ratios.idwebShareOfBare)}** | ${pct(ratios.idwebCpuShareOfBare)} | ${ratios.idwebP99OverBare.toFixed(2)}× | ${ratios.idwebShareOfBare >= SHARE_TARGET ? 'met' : 'MISSED'} |`
    }),
    '',
    "Ratios are paired within each round, then the median. \"By CPU µs/req\" is the bare route's server CPU time per request over idweb's: what the share would be were the server's CPU the only limit.",
    ...FRAMEWORKS.flatMap((f) => frameworkTable(report, f)),
    '',
    `On Express, idweb serves **${r.idwebOverExpressOpenidConnect.toFixed(2)}×** express-openid-connect's and **${r.idwebOverMsalNode.toFixed(2)}×** the msal-node pattern's requests per second. Token-endpoint calls during the load: ${report.tokenCallsDuringLoad}.`,
    '',
    '### The idweb routes with more signed-in users',
    '',
    '| app | signed-in users | req/s | p99 | CPU µs/req | RSS per user | heap per user | set-up |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...report.users.map(
      (u) =>
        `| ${LABEL[u.app]}, ${FRAMEWORK_LABEL[frameworkOf(u.app)]} | ${int(u.users)} | ${int(u.requestsPerSecond)} | ${u.p99Ms} ms | ${u.cpuMicrosPerRequest.toFixed(1)} | ${
          u.users > 1 ? kib(u.rssPerUser) : '—'
        } | ${u.users > 1 ? kib(u.heapPerUser) : '—'} | ${u.setupSeconds.toFixed(1)} s |`,
    ),
    ...report.profiles.flatMap((p) => [
      '',
      `### Where ${FRAMEWORK_LABEL[frameworkOf(p.app)]} with idweb spends its ${p.cpuMicrosPerRequest.toFixed(1)} CPU µs per request (top 5 self time)`,
      '',
      `idweb's code on the stack: ${p.idwebPercent.toFixed(1)}% of the busy time, ≈ ${((p.idwebPercent / 100) * p.cpuMicrosPerRequest).toFixed(1)} µs per request.`,
      '',
      '| function | self | ≈ µs/req |',
      '|---|---:|---:|',
      ...p.top.map(
        (f) =>
          `| \`${f.name}\` | ${f.selfPercent.toFixed(1)}% | ${((f.selfPercent / 100) * p.cpuMicrosPerRequest).toFixed(1)} |`,
      ),
    ]),
  ]
  return lines.join('\n')
}

/** One framework's apps side by side, each next to that framework's bare route. */
function frameworkTable(report: HttpReport, framework: Framework): string[] {
  const apps = report.apps.filter((a) => frameworkOf(a.app) === framework)
  const bare = apps.find((a) => a.app === bareKind(framework))
  return [
    '',
    `#### ${FRAMEWORK_LABEL[framework]}: \`GET /hello\`, the user's name and a cached token`,
    '',
    '| | req/s | p50 | p99 | CPU µs/req | share of bare | p99 vs bare |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...apps.map(
      (a) =>
        `| ${LABEL[a.app]} | ${int(a.requestsPerSecond)} | ${a.p50Ms} ms | ${a.p99Ms} ms | ${a.cpuMicrosPerRequest.toFixed(1)} | ${
          bare ? pct(a.requestsPerSecond / bare.requestsPerSecond) : ''
        } | ${bare ? `${(a.p99Ms / bare.p99Ms).toFixed(2)}×` : ''} |`,
    ),
  ]
}
