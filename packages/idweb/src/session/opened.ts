import type { SessionData } from './types.ts'

/**
 * Session cookies this process has already opened: the sealed value, exactly as the request
 * carried it, to the session it holds, validated and frozen. A request that carries an unchanged
 * cookie, which is almost every request, then skips the AES-GCM decryption, the JSON parsing and
 * the shape checks, and pays one map lookup.
 *
 * Only values that opened (authenticated under a key of the ring) and held a well-formed session
 * are ever remembered, so a changed cookie is always a miss and goes through the full check; the
 * key ring of a process never changes, so no entry ever needs to be forgotten for it. What the
 * session says (its lifetimes, its revocation) is still checked on every request. Bounded by
 * entries and by the characters of the values and plaintexts held; the oldest entries go first.
 */
export class OpenedSessions {
  readonly #entries = new Map<string, { session: SessionData; chars: number }>()
  readonly #maxEntries: number
  readonly #maxChars: number
  #chars = 0

  constructor(maxEntries = 10_000, maxChars = 16 * 1024 * 1024) {
    this.#maxEntries = maxEntries
    this.#maxChars = maxChars
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size
  }

  /** The session `sealed` held, when this process opened exactly `sealed` before. */
  get(sealed: string): SessionData | undefined {
    return this.#entries.get(sealed)?.session
  }

  /**
   * Remembers that `sealed` opened to `session` (frozen here, with everything in it) from a
   * plaintext of `plaintextChars` characters. Returns the frozen session.
   */
  set(sealed: string, session: SessionData, plaintextChars: number): SessionData {
    const frozen = freezeJson(session)
    const chars = sealed.length + plaintextChars
    if (chars > this.#maxChars || this.#entries.has(sealed)) return frozen
    // A key copied out of the request: a slice of the Cookie header would keep the whole header
    // alive for as long as the entry lives, beyond what the bound counts.
    this.#entries.set(flatCopy(sealed), { session: frozen, chars })
    this.#chars += chars
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#chars <= this.#maxChars) break
      this.#entries.delete(oldest)
      this.#chars -= entry.chars
    }
    return frozen
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A copy of `s` that shares no storage with the string it was sliced from. */
function flatCopy(s: string): string {
  return decoder.decode(encoder.encode(s))
}

/**
 * Freezes a value parsed from JSON (plain objects and arrays), all the way down.
 *
 * @example
 * ```ts
 * const session = freezeJson(JSON.parse(text))
 * Object.isFrozen(session.user.claims) // true
 * ```
 */
export function freezeJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  for (const item of Object.values(value)) freezeJson(item)
  return Object.freeze(value)
}
