// The cache file's cross-process lock: real processes contending for it, a holder killed with
// SIGKILL, a bounded wait, and MSAL Python's own lock (msal_extensions, Debian's) on the same file.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { isIdwebError } from '../../src/errors.ts'
import { lockCacheFile } from '../../src/public/file-lock.ts'
import { msalExtensionsReady, PYTHON } from './msal-extensions.ts'

const CHILD = new URL('./fixtures/lock-child.ts', import.meta.url).pathname
const PY_LOCK = new URL('./fixtures/py_lock.py', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'idweb-lock-'))
const children: ChildProcess[] = []
after(() => {
  for (const c of children) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})
let n = 0
const cachePath = () => join(dir, `cache-${++n}.json`)

function child(...args: string[]): ChildProcess {
  const c = spawn(process.execPath, [...process.execArgv, CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(c)
  return recorded(c)
}
/** Every stdout line of a child, with the time it came, from its start. */
const output = new WeakMap<ChildProcess, { text: string; at: number }[]>()
function recorded(c: ChildProcess): ChildProcess {
  const lines: { text: string; at: number }[] = []
  output.set(c, lines)
  let rest = ''
  c.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n')
    rest = parts.pop() ?? ''
    for (const text of parts) lines.push({ text, at: Date.now() })
  })
  return c
}
/** The first stdout line matching `pattern` (already seen, or when it comes), and its time. */
async function line(c: ChildProcess, pattern: RegExp): Promise<{ text: string; at: number }> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const found = output.get(c)?.find((l) => pattern.test(l.text))
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no line ${pattern} within 20 s`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
const exited = (c: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve(c.exitCode)
    else c.once('exit', (code) => resolve(code))
  })

describe('the token cache file lock (<cache>.lockfile)', () => {
  it('four processes, 25 rounds each: every change counted, never two inside at once', async () => {
    const cache = cachePath()
    const log = `${cache}.log`
    const racers = Array.from({ length: 4 }, () => child('count', cache, '25', log))
    const codes = await Promise.all(racers.map(exited))
    assert.deepEqual(codes, [0, 0, 0, 0])
    assert.equal(readFileSync(`${cache}.counter`, 'utf8'), '100')
    const events = readFileSync(log, 'utf8').trim().split('\n')
    assert.equal(events.length, 200)
    events.forEach((e, i) => {
      assert.ok(e.startsWith(i % 2 === 0 ? 'enter' : 'exit'), `line ${i}: ${e}`)
      if (i % 2 === 1) assert.equal(e.split(' ')[1], events[i - 1]?.split(' ')[1])
    })
    assert.throws(() => statSync(`${cache}.lockfile`), /ENOENT/, 'no lock file left behind')
  })

  it('is written the way the MSAL extensions write theirs: "<pid> <program>", mode 0600', async () => {
    const cache = cachePath()
    const lock = await lockCacheFile(cache)
    try {
      const [pid] = readFileSync(lock.path, 'utf8').split(' ')
      assert.equal(pid, String(process.pid))
      assert.equal(statSync(lock.path).mode & 0o777, 0o600)
    } finally {
      await lock.release()
    }
  })

  it('a holder killed with SIGKILL: the next process has the lock at once, not after the wait', async () => {
    const cache = cachePath()
    const holder = child('hold', cache)
    await line(holder, /^locked/)
    holder.kill('SIGKILL')
    await exited(holder)
    const started = Date.now()
    const lock = await lockCacheFile(cache, { timeoutMs: 5000 })
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`)
    await lock.release()
  })

  it('a live holder: a bounded wait, then IDW_STORE_UNAVAILABLE naming the file and the holder', async () => {
    const cache = cachePath()
    const holder = child('hold', cache)
    await line(holder, /^locked/)
    const started = Date.now()
    await assert.rejects(lockCacheFile(cache, { timeoutMs: 300, retryMs: 20 }), (err: unknown) => {
      assert.ok(isIdwebError(err, 'IDW_STORE_UNAVAILABLE'), String(err))
      assert.match(err.message, new RegExp(`process ${holder.pid}`))
      assert.ok(err.message.includes(`${cache}.lockfile`))
      return true
    })
    assert.ok(Date.now() - started >= 300)
    holder.kill('SIGKILL')
  })

  it('a live idweb holder busy past staleMs is never broken into: its lock file shows it lives', async () => {
    // The regression: a holder slow at the provider lost its lock after staleMs, and two
    // processes redeemed one rotating refresh token.
    const cache = cachePath()
    const holder = child('hold', cache)
    await line(holder, /^locked/)
    const started = Date.now()
    await assert.rejects(lockCacheFile(cache, { timeoutMs: 5000, staleMs: 2500 }), (err: unknown) =>
      isIdwebError(err, 'IDW_STORE_UNAVAILABLE'),
    )
    assert.ok(Date.now() - started >= 5000)
    assert.equal(readFileSync(`${cache}.lockfile`, 'utf8').split(' ')[0], String(holder.pid))
    holder.kill('SIGKILL')
  })

  it('a lock file older than staleMs is taken over even when its pid lives (reused pids)', async () => {
    const cache = cachePath()
    writeFileSync(`${cache}.lockfile`, `${process.ppid} some-old-program`)
    const old = (Date.now() - 60_000) / 1000
    utimesSync(`${cache}.lockfile`, old, old)
    const lock = await lockCacheFile(cache, { timeoutMs: 2000, staleMs: 10_000 })
    assert.equal(readFileSync(lock.path, 'utf8').split(' ')[0], String(process.pid))
    await lock.release()
  })

  it('an empty lock file: a lock being taken is waited for, one left empty for 2 s is taken over', async () => {
    const cache = cachePath()
    // A holder killed between creating the file and writing its pid leaves it empty.
    writeFileSync(`${cache}.lockfile`, '')
    await assert.rejects(lockCacheFile(cache, { timeoutMs: 300, retryMs: 20 }), /stayed locked/)
    const old = (Date.now() - 5000) / 1000
    utimesSync(`${cache}.lockfile`, old, old)
    const lock = await lockCacheFile(cache, { timeoutMs: 1000 })
    assert.equal(readFileSync(lock.path, 'utf8').split(' ')[0], String(process.pid))
    await lock.release()
  })

  it('releasing never removes a lock another process took since', async () => {
    const cache = cachePath()
    const mine = await lockCacheFile(cache)
    // Another process took it over (say, judging this one stale) and holds it now.
    unlinkSync(mine.path)
    writeFileSync(mine.path, '424242 another-program')
    await mine.release()
    assert.equal(readFileSync(mine.path, 'utf8'), '424242 another-program')
    unlinkSync(mine.path)
  })
})

describe('the lock against MSAL Python’s own (msal_extensions CrossPlatLock)', () => {
  const ready = msalExtensionsReady
  const python = (cache: string, holdSeconds: number) => {
    const c = spawn(PYTHON, [PY_LOCK, cache, String(holdSeconds)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    children.push(c)
    return recorded(c)
  }

  it('Python holds it: idweb waits until Python lets go', async (t) => {
    if (!ready(t)) return
    const cache = cachePath()
    const py = python(cache, 1.5)
    const locked = await line(py, /^locked/)
    const lock = await lockCacheFile(cache, { timeoutMs: 5000 })
    const released = Number((await line(py, /^released/)).text.split(' ')[1]) * 1000
    assert.ok(Date.now() >= released - 50, 'idweb had it only after Python released it')
    assert.ok(Date.now() - locked.at >= 1200)
    await lock.release()
    assert.equal(await exited(py), 0)
  })

  it('idweb holds it: Python waits until idweb lets go', async (t) => {
    if (!ready(t)) return
    const cache = cachePath()
    const lock = await lockCacheFile(cache)
    const py = python(cache, 0)
    await line(py, /^waiting/)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const releasedAt = Date.now()
    await lock.release()
    const locked = Number((await line(py, /^locked/)).text.split(' ')[1]) * 1000
    assert.ok(
      locked >= releasedAt - 50,
      `Python locked ${releasedAt - locked} ms before idweb let go`,
    )
    assert.equal(await exited(py), 0)
  })
})
