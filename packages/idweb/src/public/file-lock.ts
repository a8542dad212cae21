import { randomBytes } from 'node:crypto'
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { IdwebError } from '../errors.ts'

/** Options of {@link lockCacheFile}. */
export interface CacheFileLockOptions {
  /** How long to wait for another process's lock before giving up, in ms. Default 10,000. */
  timeoutMs?: number
  /** How often to try again while another process holds it, in ms. Default 100. */
  retryMs?: number
  /**
   * A lock file of a live process, untouched for this long, is taken over all the same (its pid
   * was reused after the holder died), in ms. Default 300,000: far beyond any provider call a
   * holder makes under the lock, msal-node's included. idweb's own holders touch their lock file
   * every 2 s, so theirs never ages while they live. A dead holder's lock goes at once.
   */
  staleMs?: number
  /** Told once, when the lock is found held by another process (its pid, when it wrote one). */
  onWait?: (holder: number | undefined) => void
}

/** A held lock; `release()` is safe to call twice. */
export interface CacheFileLock {
  /** The lock file: `<cache>.lockfile`. */
  readonly path: string
  /** Lets go of the lock, unless another process has since taken it over. */
  release(): Promise<void>
}

/**
 * Takes the cross-process lock of the token cache file `cachePath`: the file `<cachePath>.lockfile`,
 * created exclusively (`O_CREAT | O_EXCL`) and holding `"<pid> <program>"`, the convention of
 * MSAL's persistence extensions (`@azure/msal-node-extensions`' `CrossPlatformLock`, MSAL Python's
 * `msal_extensions` `CrossPlatLock`), so processes of all three exclude each other.
 *
 * - While another process holds it, tries again every `retryMs`, for at most `timeoutMs`, then
 *   raises `IDW_STORE_UNAVAILABLE` naming the file and its holder.
 * - A lock whose holder is dead (its pid is gone from this machine, or it left the file empty for
 *   2 s), or older than `staleMs`, is taken over: renamed aside only if it is still the file judged, so a fresh lock that another
 *   process just created is never removed. The MSAL Node extension cannot recover from such a
 *   file at all; this clears it for it too.
 * - `release()` removes the lock file only while it is still this lock's (same inode, same text),
 *   so a lock taken over meanwhile is left to its new holder.
 *
 * @example
 * ```ts
 * const lock = await lockCacheFile(`${homedir()}/.idweb/cache.json`)
 * try {
 *   // read, change and write the cache file
 * } finally {
 *   await lock.release()
 * }
 * ```
 */
export async function lockCacheFile(
  cachePath: string,
  options: CacheFileLockOptions = {},
): Promise<CacheFileLock> {
  const path = `${cachePath}.lockfile`
  const timeoutMs = options.timeoutMs ?? 10_000
  const retryMs = options.retryMs ?? 100
  const staleMs = options.staleMs ?? 300_000
  const deadline = Date.now() + timeoutMs
  let told = false
  for (;;) {
    const held = await tryCreate(path)
    if (held) return held
    const holder = await inspect(path)
    if (!told && holder) {
      told = true
      options.onWait?.(holder.pid)
    }
    if (holder && isStale(holder, staleMs)) {
      await takeOver(path, holder)
      continue
    }
    if (Date.now() >= deadline) {
      const who = holder?.pid ? `process ${holder.pid}` : 'another process'
      throw new IdwebError(
        'IDW_STORE_UNAVAILABLE',
        `The token cache ${cachePath} stayed locked by ${who} for ${timeoutMs} ms (${path}). Wait for it to finish, or delete the lock file if no such process runs.`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs))
  }
}

async function tryCreate(path: string): Promise<CacheFileLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined
    throw new IdwebError('IDW_STORE_UNAVAILABLE', `Cannot create the lock file ${path}.`, {
      cause: err,
    })
  }
  const written = `${process.pid} ${process.argv[1] ?? 'node'}`
  let ino: number
  try {
    await handle.writeFile(written)
    ino = (await handle.stat()).ino
  } catch (err) {
    await handle.close()
    throw err
  }
  // A sign of life while held: the file's mtime, touched through the handle (our inode only).
  const heartbeat = setInterval(() => {
    const now = new Date()
    handle.utimes(now, now).catch(() => {})
  }, HEARTBEAT_MS)
  heartbeat.unref()
  let released = false
  return {
    path,
    async release() {
      if (released) return
      released = true
      clearInterval(heartbeat)
      await handle.close().catch(() => {})
      // Still ours: the same inode (which a deleted file's successor may reuse) and our text.
      const now = await stat(path).catch(() => undefined)
      const text = now?.ino === ino ? await readFile(path, 'utf8').catch(() => '') : ''
      if (text === written) await unlink(path).catch(() => {})
    },
  }
}

interface Holder {
  ino: number
  mtimeMs: number
  pid: number | undefined
}

async function inspect(path: string): Promise<Holder | undefined> {
  try {
    const [info, text] = await Promise.all([stat(path), readFile(path, 'utf8')])
    const pid = Number.parseInt(text.trim().split(/\s+/)[0] ?? '', 10)
    return { ino: info.ino, mtimeMs: info.mtimeMs, pid: pid > 0 ? pid : undefined }
  } catch {
    return undefined // gone meanwhile: the next attempt creates it
  }
}

/** How often a holder touches its lock file. */
const HEARTBEAT_MS = 2000

/** An empty lock file older than this is a holder killed between creating and writing it. */
const EMPTY_STALE_MS = 2000

function isStale(holder: Holder, staleMs: number): boolean {
  const age = Date.now() - holder.mtimeMs
  if (age > staleMs) return true
  // Every holder writes its pid right after creating the file: an empty one is a lock being
  // taken, unless it stayed empty, when its holder died in between.
  if (holder.pid === undefined) return age > EMPTY_STALE_MS
  return !alive(holder.pid)
}

/** Whether process `pid` runs on this machine (this process included). */
export function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Moves a dead holder's lock aside, if it is still the file judged, and deletes it. */
async function takeOver(path: string, holder: Holder): Promise<void> {
  const now = await stat(path).catch(() => undefined)
  if (!now || now.ino !== holder.ino || now.mtimeMs !== holder.mtimeMs) return
  const aside = `${path}.stale.${holder.pid ?? 0}.${randomBytes(4).toString('hex')}`
  try {
    await rename(path, aside)
  } catch {
    return // someone else took it over first
  }
  // Between the check and the rename another process may have cleared it and locked afresh:
  // then what was moved is their lock, and it goes back (link fails if the path is taken again).
  const moved = await stat(aside).catch(() => undefined)
  if (moved && moved.ino !== holder.ino) await link(aside, path).catch(() => {})
  await unlink(aside).catch(() => {})
}
