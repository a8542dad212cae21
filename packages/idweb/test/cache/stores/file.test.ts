import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { FileStore } from '../../../src/cache/stores/file.ts'
import { runStoreConformance } from '../store-conformance.ts'

const root = mkdtempSync(join(tmpdir(), 'idweb-file-store-'))
after(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const folder = () => join(root, `s${++n}`)

// The conformance tests' stores share one folder, as processes of one machine would.
const shared = folder()
runStoreConformance('FileStore', () => new FileStore(shared, { lockPollMs: 5 }), {
  compareAndSet: true,
  lock: true,
  watch: true,
})

const CHILD = new URL('./fixtures/file-child.ts', import.meta.url).pathname

/** Starts the child process; resolves once it printed `ready`. */
async function child(args: string[], ready: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    proc.stdout?.on('data', (chunk) => {
      out += chunk
      if (out.includes(ready)) resolve()
    })
    proc.once('exit', (code) =>
      reject(new Error(`child exited (${code}) before "${ready}": ${out}`)),
    )
  })
  return proc
}

function killed(proc: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  proc.kill('SIGKILL')
  return exited
}

describe('FileStore across processes', () => {
  it('keeps entries 0600 in a 0700 folder', async () => {
    const dir = folder()
    const store = new FileStore(dir)
    await store.set('k', Uint8Array.of(1))
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600)
  })

  it('a lock holder killed (SIGKILL) frees the lock at once, long before its TTL', async () => {
    const dir = folder()
    const holder = await child(['lock', dir, 'refresh'], 'locked')
    const store = new FileStore(dir, { lockPollMs: 5 })
    assert.equal(await store.lock('refresh', 1000, 100), undefined, 'held by the other process')
    await killed(holder)
    const t0 = performance.now()
    const release = await store.lock('refresh', 1000, 5000)
    assert.ok(release, 'taken over from the dead holder')
    assert.ok(performance.now() - t0 < 1000, 'within a second, though it had 60 s left')
    await release()
  })

  it('a writer killed mid-write leaves the old entry or the new one, never a partial one', async () => {
    const dir = folder()
    const store = new FileStore(dir, { sweepEveryMs: 0 })
    const size = 512 * 1024
    for (let i = 0; i < 8; i++) {
      const writer = await child(['write', dir, 'entry', String(size)], 'writing')
      // "writing" comes before its first write: on a slow machine that may not be done within the
      // pause below, so round 0 first waits for an entry to exist; kills still land mid-write.
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        if ((await store.get('entry')) !== undefined) break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150))
      await killed(writer)
      const value = await store.get('entry')
      assert.ok(value, 'an entry is there')
      const bytes = Buffer.from(value)
      assert.equal(bytes.length, size + 32)
      const digest = createHash('sha256').update(bytes.subarray(0, size)).digest()
      assert.ok(digest.equals(bytes.subarray(size)), `round ${i}: the entry is whole`)
    }
  })

  it('two processes incrementing through compareAndSet lose no update', async () => {
    const dir = folder()
    const runs = [0, 1].map(
      () =>
        new Promise<number | null>((resolve) => {
          spawn(
            process.execPath,
            ['--conditions=source', '--import', 'tsx', CHILD, 'cas', dir, 'n', '40'],
            {
              stdio: 'inherit',
            },
          ).once('exit', resolve)
        }),
    )
    assert.deepEqual(await Promise.all(runs), [0, 0])
    const store = new FileStore(dir)
    assert.equal(Buffer.from((await store.get('n')) ?? []).toString(), '80')
  })

  it('sweeps expired entries and abandoned temporary files', async () => {
    let now = 1_000_000
    const dir = folder()
    const store = new FileStore(dir, { clock: () => now, sweepEveryMs: 0 })
    await store.set('short', Uint8Array.of(1), 10)
    await store.set('long', Uint8Array.of(2))
    now += 11_000
    assert.equal(await store.sweep(), 1)
    assert.deepEqual(await store.get('long'), Uint8Array.of(2))
  })
})
