import * as crypto from 'node:crypto'
import { IdwebError } from '../errors.ts'
import { type Logger, redactId } from '../logger.ts'
import type { Breaker } from './breaker.ts'
import type { CacheStats } from './internal.ts'

/** The outcome of a store call: its value, or the fact that it failed (already logged). */
export type StoreResult<T> = { ok: true; value: T } | { ok: false }

/**
 * Runs one store call bounded by `timeoutMs`. A rejection or a timeout becomes `{ ok: false }`,
 * counted in `stats.storeErrors` and logged with the partition id redacted: the store is a cache,
 * so its failure is a miss, never a failed request. While `breaker` is open the call is not made
 * at all (`stats.storeSkipped`).
 */
export async function storeCall<T>(
  op: string,
  partitionKey: string,
  fn: () => Promise<T>,
  ctx: { timeoutMs: number; logger: Logger; stats: CacheStats; breaker?: Breaker },
): Promise<StoreResult<T>> {
  if (ctx.breaker?.allow() === false) {
    ctx.stats.storeSkipped++
    return { ok: false }
  }
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new IdwebError('IDW_STORE_UNAVAILABLE', `store ${op} timed out`)),
        ctx.timeoutMs,
      )
    })
    const work = Promise.resolve().then(fn)
    // A late rejection of the abandoned call must not become an unhandled rejection.
    work.catch(() => {})
    const value = await Promise.race([work, timeout])
    ctx.breaker?.success()
    return { ok: true, value }
  } catch (err) {
    ctx.breaker?.failure()
    ctx.stats.storeErrors++
    ctx.logger.warn('token cache store call failed; treated as a miss', {
      op,
      partition: redactId(partitionKey),
      reason: isTimeout(err) ? 'timeout' : 'error',
      error: errorName(err),
    })
    return { ok: false }
  } finally {
    clearTimeout(timer)
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof IdwebError && err.code === 'IDW_STORE_UNAVAILABLE'
}

/** A name for the log that cannot carry secrets: the error's `code` or class name. */
function errorName(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code
    if (typeof code === 'string' || typeof code === 'number') return String(code).slice(0, 64)
    const name = (err as { name?: unknown }).name
    if (typeof name === 'string') return name.slice(0, 64)
  }
  return typeof err
}

/**
 * The store key of a partition: a prefix and the base64url SHA-256 of the partition key, so
 * store keys have a fixed length and safe characters and do not expose account ids.
 */
export function storeKeyOf(prefix: string, partitionKey: string): string {
  const digest =
    typeof crypto.hash === 'function'
      ? crypto.hash('sha256', partitionKey, 'base64url')
      : crypto.createHash('sha256').update(partitionKey, 'utf8').digest('base64url')
  return prefix + digest
}

/** {@link storeKeyOf} for one prefix, memoized (a SHA-256 each) for the most recent 10,000 keys. */
export class StoreKeys {
  readonly #prefix: string
  readonly #memo = new Map<string, string>()

  constructor(prefix: string) {
    this.#prefix = prefix
  }

  of(partitionKey: string): string {
    let key = this.#memo.get(partitionKey)
    if (key === undefined) {
      if (this.#memo.size >= 10_000) this.#memo.clear()
      key = storeKeyOf(this.#prefix, partitionKey)
      this.#memo.set(partitionKey, key)
    }
    return key
  }
}
