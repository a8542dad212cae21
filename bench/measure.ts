import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap used after a full collection, in bytes. */
export function settledHeap(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/**
 * Mean µs per call of `run`: calls run back to back in batches until `budgetMs` is spent (at
 * least `minCalls`), batch sizes doubling; the figure is the median of the later half of batches.
 */
export async function microsPerCall(
  run: () => Promise<unknown>,
  options: { budgetMs: number; minCalls: number },
): Promise<{ micros: number; calls: number }> {
  // Warm up: let the JIT settle on the hot path.
  const warmEnd = performance.now() + options.budgetMs / 5
  let warm = 0
  while (warm < 3 || (performance.now() < warmEnd && warm < 50_000)) {
    await run()
    warm++
  }
  const samples: number[] = []
  const end = performance.now() + options.budgetMs
  let calls = 0
  let batch = 1
  while (performance.now() < end || calls < options.minCalls) {
    const t0 = performance.now()
    for (let i = 0; i < batch; i++) await run()
    const ms = performance.now() - t0
    samples.push((ms * 1000) / batch)
    calls += batch
    if (ms < 20) batch *= 2
  }
  const steady = samples.filter((_, i) => i >= samples.length / 2)
  steady.sort((a, b) => a - b)
  return { micros: steady[steady.length >> 1]!, calls }
}
