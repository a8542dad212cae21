/** How many of a header's last characters key the memo. */
const TAIL = 24

/**
 * What a function of a request header gave, for the headers seen lately: a browser sends the same
 * `Cookie` header request after request, and parsing it was most of an authenticated request's
 * cost. Bounded by entry count and by characters held, and cleared when either is reached, so a
 * flood of distinct headers costs no more than the bound. Only pure functions of the header
 * belong here: whatever depends on time or state (lifetimes, revocation) is checked every time.
 */
export class HeaderMemo<T> {
  /**
   * Entries by a small integer folded from the header's length and last characters, checked
   * against the whole header: a session cookie ends in its AES-GCM tag, and folding a few
   * characters costs far less than hashing a header of kilobytes, fresh from the socket on every
   * request, and allocates nothing. Headers that share a key only take each other's place.
   */
  readonly #values = new Map<number, { readonly header: string; readonly value: T }>()
  readonly #maxEntries: number
  readonly #maxChars: number
  #chars = 0

  constructor(maxEntries = 10_000, maxChars = 8 * 1024 * 1024) {
    this.#maxEntries = maxEntries
    this.#maxChars = maxChars
  }

  /** `compute(header)`, remembered. A header longer than the whole bound is never kept. */
  get(header: string, compute: (header: string) => T): T {
    const values = this.#values
    const key = keyOf(header)
    const known = values.get(key)
    if (known !== undefined && known.header === header) return known.value
    const value = compute(header)
    if (header.length > this.#maxChars) return value
    if (known !== undefined) {
      values.delete(key)
      this.#chars -= known.header.length
    }
    if (values.size >= this.#maxEntries || this.#chars + header.length > this.#maxChars) {
      values.clear()
      this.#chars = 0
    }
    values.set(key, { header, value })
    this.#chars += header.length
    return value
  }

  /** How many headers are remembered (for tests and metrics). */
  get size(): number {
    return this.#values.size
  }

  /** How many characters of header the memo holds (for tests and metrics). */
  get chars(): number {
    return this.#chars
  }
}

/** The header's length and last {@link TAIL} characters, folded into a small integer (a Smi). */
function keyOf(header: string): number {
  const end = header.length
  let key = end
  for (let i = end > TAIL ? end - TAIL : 0; i < end; i++) {
    key = (Math.imul(key, 31) + header.charCodeAt(i)) | 0
  }
  return key & 0x3fffffff
}
