import { createHash } from 'node:crypto'
import type { CacheStore } from '../cache/store.ts'
import { type Logger, redactId } from '../logger.ts'
import { BoundedCalls } from '../session/bounded-calls.ts'
import type { SessionRevocations } from '../session/revocations.ts'
import type { ProviderIdentity, SignInIndex } from '../session/sign-in-index.ts'

/** What {@link ProviderLogouts} works with. */
export interface ProviderLogoutsOptions {
  readonly revocations: SessionRevocations
  readonly signIns: SignInIndex
  /** The shared store, where used logout tokens are remembered across instances. */
  readonly store?: Pick<CacheStore, 'get' | 'set' | 'delete'> | undefined
  /** The sessions' absolute lifetime: how long an ended session's records must last. */
  readonly absoluteSeconds: number
  readonly storeTimeoutMs?: number
  /** Most used logout tokens remembered in process memory. Default 100,000. */
  readonly maxTokens?: number
  readonly logger: Logger
  readonly clock: () => number
}

const JTI_PREFIX = 'idweb:logout-jti:'

/** What {@link ProviderLogouts.end} did. */
export interface Ended {
  /** The token cache partition the sign-in index knows for what ended, whose tokens should go. */
  readonly partition: string | undefined
  /** Whether the shared store (if any) confirmed the record: else other instances may not know. */
  readonly recorded: boolean
}

/**
 * Ends sessions the provider says ended, on every instance: a provider session (`sid`) or every
 * session of a subject (`sub`) or account, recorded through {@link SessionRevocations} in the
 * shared store, and each logout token used once. Memory stays bounded however many tokens come.
 */
export class ProviderLogouts {
  readonly signIns: SignInIndex
  readonly #o: ProviderLogoutsOptions
  readonly #used = new Map<string, number>()
  readonly #maxTokens: number
  readonly #calls: BoundedCalls

  constructor(options: ProviderLogoutsOptions) {
    this.#o = options
    this.signIns = options.signIns
    this.#maxTokens = options.maxTokens ?? 100_000
    this.#calls = new BoundedCalls(options.storeTimeoutMs ?? 250, options.clock)
  }

  /** Used logout tokens remembered in process memory. */
  get usedTokens(): number {
    return this.#used.size
  }

  /**
   * Ends what `identity` names: with a `sid`, every session of that provider session; with only
   * a `sub`, every session of that subject begun until now. Resolves the account the index knows
   * for it, whose tokens should go.
   */
  async end(identity: ProviderIdentity): Promise<Ended> {
    const now = this.#now()
    const until = now + this.#o.absoluteSeconds
    const partition = await this.signIns.find(identity)
    const recorded =
      'sid' in identity
        ? await this.#o.revocations.endProviderSession(identity.iss, identity.sid, until)
        : await this.#o.revocations.endSubject(identity.iss, identity.sub, now, until)
    this.#o.logger.info('sessions ended by the provider', {
      by: 'sid' in identity ? 'sid' : 'sub',
      ...(partition === undefined ? {} : { account: redactId(partition) }),
    })
    return { partition, recorded }
  }

  /**
   * Indexes a sign-in by its ID token's `iss`, `sub` and `sid`, so a logout can find its tokens:
   * the provider session names `partition` (the session's own with the session token cache),
   * the subject names the account.
   */
  async rememberSignIn(
    claims: Readonly<Record<string, unknown>>,
    homeAccountId: string,
    partition: string | undefined,
  ): Promise<void> {
    const { iss, sub, sid } = claims
    if (typeof iss !== 'string' || typeof sub !== 'string') return
    await this.signIns.remember(
      { iss, sub, sid: typeof sid === 'string' ? sid : undefined },
      homeAccountId,
      this.#o.absoluteSeconds,
      partition,
    )
  }

  /** Forgets that logout token `jti` of `iss` was used: its logout did not take, and may be retried. */
  async release(iss: string, jti: string): Promise<void> {
    const key = jtiKey(iss, jti)
    this.#used.delete(key)
    const store = this.#o.store
    if (store !== undefined) await this.#calls.run(() => store.delete(key))
  }

  /**
   * Whether this is the first use of logout token `jti` of `iss`, remembered until
   * `untilSeconds` (after which the token is refused as too old anyway), here and in the store.
   */
  async firstUse(iss: string, jti: string, untilSeconds: number): Promise<boolean> {
    const key = jtiKey(iss, jti)
    const now = this.#now()
    const local = this.#used.get(key)
    if (local !== undefined && local > now) return false
    const store = this.#o.store
    if (store !== undefined) {
      const read = await this.#calls.run(() => store.get(key))
      if (read.ok && read.value !== undefined) return false
    }
    this.#remember(key, untilSeconds, now)
    if (store !== undefined) {
      const ttl = Math.max(1, untilSeconds - now)
      await this.#calls.run(() => store.set(key, new Uint8Array([1]), ttl))
    }
    return true
  }

  #remember(key: string, untilSeconds: number, now: number): void {
    this.#used.delete(key)
    this.#used.set(key, untilSeconds)
    // Oldest first; an expired one would be refused as too old anyway.
    for (const [oldest, until] of this.#used) {
      if (this.#used.size <= this.#maxTokens && until > now) break
      this.#used.delete(oldest)
    }
  }

  #now(): number {
    return Math.floor(this.#o.clock() / 1000)
  }
}

function jtiKey(iss: string, jti: string): string {
  return JTI_PREFIX + createHash('sha256').update(`${iss}|${jti}`).digest('base64url')
}
