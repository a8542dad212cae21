import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, watch as watchFolder } from 'node:fs'
import { open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, join } from 'node:path'
import type { CacheStore, StoreWatcher } from '../store.ts'

/** Options of a {@link FileStore}. */
export interface FileStoreOptions {
  /** How often a waiting `lock` call retries, in ms. Default 10. */
  lockPollMs?: number
  /** How often expired entries and abandoned temporary files are swept, in ms. Default 600,000. */
  sweepEveryMs?: number
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
}

const MAGIC = Buffer.from('IDWF1')
const HEADER = MAGIC.length + 8
/** How long a compare-and-set may hold its key's lock. */
const CAS_LOCK_MS = 5000

interface LockRecord {
  token: string
  pid: number
  host: string
  expiresAt: number
}

/**
 * A {@link CacheStore} in a folder, for desktop and command-line apps and for several processes
 * of one machine: one file per key (named by a hash of it), written to a temporary file, flushed
 * to disk and renamed over the old one, so a crash leaves the old entry or the new one, never part
 * of either. Files are `0600` in a `0700` folder.
 *
 * A lock is a file created exclusively, naming its holder's pid and host and its expiry. A waiter
 * takes over a lock whose expiry passed or whose holder process (on this host) is gone, so a
 * killed holder frees its lock at once rather than at its TTL. Compare-and-set runs under the
 * key's lock, so it holds across processes.
 *
 * @example
 * ```ts
 * const store = new FileStore(join(homedir(), '.idweb', 'cache'))
 * ```
 */
export class FileStore implements CacheStore {
  /** The folder entries are written to, one file per key. */
  readonly dir: string
  readonly #pollMs: number
  readonly #clock: () => number
  readonly #sweep: NodeJS.Timeout | undefined
  /** File name → key, for every key this object touched: what change notices are about. */
  readonly #names = new Map<string, string>()
  /** File name → what this object last left there, to tell its own changes from others'. */
  readonly #own = new Map<string, string>()

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.dir = dir
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    this.#pollMs = options.lockPollMs ?? 10
    this.#clock = options.clock ?? Date.now
    const every = options.sweepEveryMs ?? 600_000
    this.#sweep =
      every > 0 ? setInterval(() => void this.sweep().catch(() => {}), every).unref() : undefined
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.#path(key)
    const bytes = await readFile(path).catch(absent)
    if (bytes === undefined) return undefined
    const expiresAt = expiryOf(bytes)
    if (expiresAt === undefined) return undefined
    if (expiresAt !== 0 && expiresAt <= this.#clock()) {
      await unlink(path).catch(absent)
      return undefined
    }
    return new Uint8Array(bytes.subarray(HEADER))
  }

  async set(key: string, value: Uint8Array, ttlSeconds?: number): Promise<void> {
    const expiresAt =
      ttlSeconds === undefined || !Number.isFinite(ttlSeconds)
        ? 0
        : this.#clock() + Math.max(1, ttlSeconds * 1000)
    const header = Buffer.alloc(HEADER)
    MAGIC.copy(header)
    header.writeDoubleBE(expiresAt, MAGIC.length)
    await this.#replace(this.#path(key), Buffer.concat([header, value]))
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key)
    this.#own.set(basename(path), 'absent')
    await unlink(path).catch(absent)
  }

  async compareAndSet(
    key: string,
    expected: Uint8Array | undefined,
    next: Uint8Array,
    ttlSeconds?: number,
  ): Promise<boolean> {
    const release = await this.lock(`cas:${key}`, CAS_LOCK_MS, CAS_LOCK_MS)
    if (release === undefined) return false
    try {
      const current = await this.get(key)
      if (!sameBytes(current, expected)) return false
      await this.set(key, next, ttlSeconds)
      return true
    } finally {
      await release()
    }
  }

  async lock(
    key: string,
    ttlMs: number,
    waitMs: number,
  ): Promise<(() => Promise<void>) | undefined> {
    const path = `${this.#path(key)}.lock`
    const record: LockRecord = {
      token: randomUUID(),
      pid: process.pid,
      host: hostname(),
      expiresAt: this.#clock() + ttlMs,
    }
    const deadline = Date.now() + waitMs
    for (;;) {
      if (await this.#create(path, record)) {
        return async () => {
          const held = await readLock(path)
          if (typeof held === 'object' && held.token === record.token) {
            await unlink(path).catch(absent)
          }
        }
      }
      await this.#breakIfStale(path)
      if (Date.now() >= deadline) return undefined
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs))
      record.expiresAt = this.#clock() + ttlMs
    }
  }

  /**
   * Watches the folder (inotify, FSEvents...) and reports other processes' writes and deletes of
   * the keys this object has touched; its own are told apart by the file they left. A watcher
   * error is a gap.
   */
  async watch(watcher: StoreWatcher): Promise<() => Promise<void>> {
    const folder = watchFolder(this.dir, (_event, name) => {
      if (typeof name !== 'string' || !name.endsWith('.entry')) return
      const key = this.#names.get(name)
      if (key === undefined) return
      void signature(join(this.dir, name)).then((found) => {
        if (found !== this.#own.get(name)) watcher.changed(key)
      })
    })
    folder.on('error', () => watcher.gap())
    return async () => folder.close()
  }

  /** Deletes expired entries and temporary files left by crashed writers; resolves how many. */
  async sweep(): Promise<number> {
    let removed = 0
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const path = join(this.dir, name)
      if (name.endsWith('.tmp')) {
        const info = await stat(path).catch(absent)
        if (info && info.mtimeMs < Date.now() - 60_000 && (await unlink(path).then(ok, absent))) {
          removed++
        }
      } else if (name.endsWith('.entry')) {
        const bytes = await readFile(path).catch(absent)
        const expiresAt = bytes && expiryOf(bytes)
        if (expiresAt && expiresAt <= this.#clock() && (await unlink(path).then(ok, absent))) {
          removed++
        }
      }
    }
    return removed
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep)
  }

  #path(key: string): string {
    const name = `${createHash('sha256').update(key).digest('base64url')}.entry`
    this.#names.set(name, key)
    return join(this.dir, name)
  }

  /** Writes `bytes` to `path` atomically: temporary file, fsync, rename. */
  async #replace(path: string, bytes: Buffer): Promise<void> {
    const temp = `${path}.${process.pid}.${randomUUID()}.tmp`
    const file = await open(temp, 'wx', 0o600)
    try {
      await file.writeFile(bytes)
      await file.sync()
      // Known before the rename, which keeps the inode: the notice it causes is recognised.
      this.#own.set(basename(path), signatureOf(await file.stat({ bigint: true })))
    } finally {
      await file.close()
    }
    try {
      await rename(temp, path)
    } catch (err) {
      await unlink(temp).catch(absent)
      throw err
    }
  }

  async #create(path: string, record: LockRecord): Promise<boolean> {
    try {
      const file = await open(path, 'wx', 0o600)
      try {
        await file.writeFile(JSON.stringify(record))
      } finally {
        await file.close()
      }
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw err
    }
  }

  /** Removes the lock at `path` if it expired or its holder died; only one waiter succeeds. */
  async #breakIfStale(path: string): Promise<void> {
    const held = await readLock(path)
    if (held === 'unreadable') {
      // Being written right now, or left empty by a holder killed mid-create: stale once old.
      const info = await stat(path).catch(absent)
      if (!info || info.mtimeMs > Date.now() - 1000) return
    } else if (held === undefined) {
      return
    } else if (held.expiresAt > this.#clock() && isAlive(held)) {
      return
    }
    // Renaming first makes the takeover atomic: of several waiters, one moves the stale file.
    const aside = `${path}.${randomUUID()}.stale.tmp`
    if (await rename(path, aside).then(ok, absent)) await unlink(aside).catch(absent)
  }
}

async function readLock(path: string): Promise<LockRecord | 'unreadable' | undefined> {
  const text = await readFile(path, 'utf8').catch(absent)
  if (text === undefined) return undefined
  try {
    const parsed = JSON.parse(text) as LockRecord
    return typeof parsed.token === 'string' && typeof parsed.expiresAt === 'number'
      ? parsed
      : 'unreadable'
  } catch {
    return 'unreadable'
  }
}

/** Whether the holder of a lock is still running (always assumed for another host). */
function isAlive(record: LockRecord): boolean {
  if (record.host !== hostname() || !Number.isSafeInteger(record.pid)) return true
  try {
    process.kill(record.pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The expiry in an entry's header (0: none), or `undefined` when the file is not an entry. */
function expiryOf(bytes: Buffer): number | undefined {
  if (bytes.length < HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined
  return bytes.readDoubleBE(MAGIC.length)
}

/** What is at `path` now: its inode, size and modification time, or `absent`. */
async function signature(path: string): Promise<string> {
  const info = await stat(path, { bigint: true }).catch(absent)
  return info === undefined ? 'absent' : signatureOf(info)
}

function signatureOf(info: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${info.ino}:${info.size}:${info.mtimeNs}`
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  )
}

/** For `.catch`: a missing file is `undefined`; anything else is rethrown. */
function absent(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
  throw err
}

function ok(): true {
  return true
}
