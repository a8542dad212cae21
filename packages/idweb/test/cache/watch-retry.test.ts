// A change channel that cannot start (the store unreachable just then) is tried again until it
// works: an instance must not stay deaf to the others' changes for the rest of its life. The
// store is the in-memory reference one, with watch() made to fail twice: a real server cannot be
// made to refuse exactly the subscription on demand (the Redis case is in cross-instance.test.ts).
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import type { StoreWatcher } from '../../src/cache/store.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { watchStore } from '../../src/cache/watch-store.ts'
import { type Logged, recordingLogger } from '../credentials/test-certificates.ts'

function flakyWatchStore(failures: number) {
  const store = new MemoryStore()
  let attempts = 0
  const watchers: StoreWatcher[] = []
  Object.assign(store, {
    watch: async (watcher: StoreWatcher) => {
      attempts++
      if (attempts <= failures) throw new Error('ECONNREFUSED')
      watchers.push(watcher)
      return async () => {}
    },
  })
  return { store, attempts: () => attempts, watchers }
}

describe('a change channel that fails to start is tried again', () => {
  // The retry timers are unref'd (they must not keep a closing app alive): hold the loop open.
  let alive: NodeJS.Timeout
  beforeEach(() => {
    alive = setInterval(() => {}, 1000)
  })
  afterEach(() => clearInterval(alive))

  it('retries with a growing wait, then hears changes (and says so once each way)', async () => {
    const { store, attempts, watchers } = flakyWatchStore(2)
    const logs: Logged[] = []
    const gaps: boolean[] = []
    const started = Date.now()
    const stop = await watchStore(
      store,
      recordingLogger(logs),
      { changed: () => {}, gap: (reconnected) => void gaps.push(reconnected ?? false) },
      { retryMs: 20 },
    )
    assert.equal(typeof stop, 'function')
    assert.equal(attempts(), 3)
    assert.ok(Date.now() - started >= 20 + 40, 'waited 20 ms, then 40 ms')
    assert.equal(watchers.length, 1)
    assert.equal(gaps.length, 1, 'a gap once listening: what was loaded may have changed unheard')
    assert.equal(logs.filter((l) => l.level === 'warn').length, 1)
    assert.ok(logs.some((l) => /available again/.test(l.message)))
  })

  it('stops trying once the cache is closed', async () => {
    const { store, attempts } = flakyWatchStore(Number.POSITIVE_INFINITY)
    let closed = false
    const watching = watchStore(
      store,
      recordingLogger([]),
      { changed: () => {}, gap: () => {} },
      { retryMs: 10, closed: () => closed },
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    closed = true
    assert.equal(await watching, undefined)
    const tried = attempts()
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(attempts(), tried, 'no attempt after close')
  })
})
