// Where a server's CPU time goes: the top self-time functions of a V8 CPU profile.

/** The parts of a V8 `Profiler.Profile` read here. */
export interface CpuProfile {
  nodes: {
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number }
    children?: number[]
  }[]
  samples?: number[]
  timeDeltas?: number[]
}

/** One function's self time. */
export interface HotFunction {
  /** `name (file:line)`, the file relative to the package or to Node's own modules. */
  name: string
  /** Share of the busy (non-idle) samples, in percent. */
  selfPercent: number
}

/**
 * The `top` functions by self time, as a share of the time the process was busy (the `(idle)`
 * samples left out; `(garbage collector)` and `(program)` kept, as they are part of the cost).
 */
export function summarizeProfile(profile: CpuProfile, top: number): HotFunction[] {
  const names = new Map<number, string>()
  for (const node of profile.nodes) names.set(node.id, nameOf(node.callFrame))
  const self = new Map<string, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  let busy = 0
  for (let i = 0; i < samples.length; i++) {
    const name = names.get(samples[i] as number) ?? '(unknown)'
    if (name === '(idle)') continue
    const micros = Math.max(0, deltas[i] ?? 0)
    busy += micros
    self.set(name, (self.get(name) ?? 0) + micros)
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({ name, selfPercent: busy > 0 ? (100 * micros) / busy : 0 }))
}

/**
 * The share of the busy time (as {@link summarizeProfile} counts it) in which a function of a
 * file `inside` accepts (named as {@link shortFile} names it) was on the stack, in percent: the
 * time spent in that code and in whatever it called, the garbage collector left out.
 */
export function shareInside(profile: CpuProfile, inside: (file: string) => boolean): number {
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const memo = new Map<number, boolean>()
  const under = (id: number): boolean => {
    const known = memo.get(id)
    if (known !== undefined) return known
    const node = byId.get(id)
    const up = parent.get(id)
    const url = node?.callFrame.url ?? ''
    const result = (url !== '' && inside(shortFile(url))) || (up !== undefined && under(up))
    memo.set(id, result)
    return result
  }
  let busy = 0
  let within = 0
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue
    const micros = Math.max(0, deltas[i] ?? 0)
    busy += micros
    if (under(id)) within += micros
  }
  return busy > 0 ? (100 * within) / busy : 0
}

function nameOf(frame: { functionName: string; url: string; lineNumber: number }): string {
  const fn = frame.functionName || '(anonymous)'
  if (!frame.url) return fn
  return `${fn} (${shortFile(frame.url)}:${frame.lineNumber + 1})`
}

/** `node_modules/jose/dist/...` → `jose/dist/...`; `.../packages/idweb/src/x.ts` → `idweb/src/x.ts`. */
export function shortFile(url: string): string {
  const path = url.replace(/^file:\/\//, '')
  const modules = path.lastIndexOf('/node_modules/')
  if (modules !== -1) return path.slice(modules + '/node_modules/'.length)
  const pkg = /\/(packages|bench|examples)\/(.+)$/.exec(path)
  if (pkg) return pkg[1] === 'packages' ? (pkg[2] as string) : `${pkg[1]}/${pkg[2]}`
  return path.slice(path.lastIndexOf('/') + 1)
}
