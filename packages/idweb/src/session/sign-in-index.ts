import { createHash } from 'node:crypto'
import type { CacheStore } from '../cache/store.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { BoundedCalls } from './bounded-calls.ts'

/** Options of {@link SignInIndex}. */
export interface SignInIndexOptions {
  /** The store every instance shares (the token cache's). Absent: this process only. */
  store?: Pick<CacheStore, 'get' | 'set'> | undefined
  /**
   * Seals and opens what goes into the store, which never holds an account id in plaintext (the
   * token cache's `sealRecord` and `openRecord`). Without it nothing is written to the store.
   */
  sealer?: RecordSealer | undefined
  /** Most entries kept in process memory; the oldest go first. Default 100,000. */
  maxEntries?: number
  /** How long a store call may take. Default 250 ms. */
  storeTimeoutMs?: number
  logger?: Logger
  /** Epoch ms. Default `Date.now`. */
  clock?: () => number
}

/** Seals the values of store records, bound to their key. */
export interface RecordSealer {
  sealRecord(key: string, text: string): Uint8Array | undefined
  openRecord(key: string, blob: Uint8Array): string | undefined
}

/** What a logout names: a provider session, or a subject. */
export type ProviderIdentity =
  | { readonly iss: string; readonly sid: string }
  | { readonly iss: string; readonly sub: string }

const KEY_PREFIX = 'idweb:signin:'

/**
 * Which account a provider's session (`iss` and `sid`) or subject (`iss` and `sub`) signed in as:
 * a logout names those, and the account's tokens must go. Written at each sign-in, in process
 * memory (bounded, oldest first) and in the shared store under `idweb:signin:<sha256>` with the
 * session's lifetime as TTL, so that the instance receiving a back-channel logout finds accounts
 * that signed in on any other. One entry per key, the same value whoever writes it: concurrent
 * sign-ins cannot lose one another's.
 */
export class SignInIndex {
  readonly #local = new Map<string, string>()
  readonly #store: SignInIndexOptions['store']
  readonly #sealer: RecordSealer | undefined
  readonly #max: number
  readonly #calls: BoundedCalls
  readonly #logger: Logger

  constructor(options: SignInIndexOptions = {}) {
    this.#sealer = options.sealer
    this.#store = options.sealer ? options.store : undefined
    this.#max = options.maxEntries ?? 100_000
    this.#calls = new BoundedCalls(options.storeTimeoutMs ?? 250, options.clock ?? Date.now)
    this.#logger = options.logger ?? silentLogger
  }

  /** Entries held in process memory. */
  get size(): number {
    return this.#local.size
  }

  /**
   * Records that `homeAccountId` signed in through `iss`'s session `sid` as subject `sub`: the
   * subject names the account, the provider session its tokens' `partition` (default the
   * account's; the session's own with the session token cache).
   */
  async remember(
    signIn: { iss: string; sub: string; sid?: string | undefined },
    homeAccountId: string,
    ttlSeconds: number,
    partition: string = homeAccountId,
  ): Promise<void> {
    const entries: [string, string][] = [
      [keyOf({ iss: signIn.iss, sub: signIn.sub }), homeAccountId],
    ]
    if (signIn.sid !== undefined)
      entries.push([keyOf({ iss: signIn.iss, sid: signIn.sid }), partition])
    for (const [key, value] of entries) this.#keep(key, value)
    const store = this.#store
    if (store === undefined) return
    const sealer = this.#sealer as RecordSealer
    const written = await Promise.all(
      entries.map(([key, text]) => {
        const value = sealer.sealRecord(key, text)
        return value === undefined
          ? { ok: true as const, value: undefined }
          : this.#calls.run(() => store.set(key, value, ttlSeconds))
      }),
    )
    const failed = written.find((w) => !w.ok)
    if (failed && !failed.ok) {
      this.#logger.warn('a sign-in was not indexed in the shared store', { reason: failed.reason })
    }
  }

  /** The account `identity` signed in as, or `undefined` when no sign-in of it is known. */
  async find(identity: ProviderIdentity): Promise<string | undefined> {
    const key = keyOf(identity)
    const local = this.#local.get(key)
    if (local !== undefined) return local
    const store = this.#store
    if (store === undefined) return undefined
    const read = await this.#calls.run(() => store.get(key))
    if (!read.ok || read.value === undefined) return undefined
    return this.#sealer?.openRecord(key, read.value)
  }

  #keep(key: string, homeAccountId: string): void {
    this.#local.delete(key)
    this.#local.set(key, homeAccountId)
    while (this.#local.size > this.#max) {
      const oldest = this.#local.keys().next().value as string
      this.#local.delete(oldest)
    }
  }
}

function keyOf(identity: ProviderIdentity): string {
  const name = 'sid' in identity ? `sid|${identity.sid}` : `sub|${identity.sub}`
  return KEY_PREFIX + createHash('sha256').update(`${identity.iss}|${name}`).digest('base64url')
}
