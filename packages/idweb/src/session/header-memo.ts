/**
 * What a function of a request header gave, for the headers seen lately: a browser sends the same
 * `Cookie` header request after request, and parsing it was most of an authenticated request's
 * cost. Bounded by entry count and by characters held, and cleared when either is reached, so a
 * flood of distinct headers costs no more than the bound. Only pure functions of the header
 * belong here: whatever depends on time or state (lifetimes, revocation) is checked every time.
 */
export class HeaderMemo<T> {
  readonly #values = new Map<string, T>()
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
    const known = values.get(header)
    if (known !== undefined || values.has(header)) return known as T
    const value = compute(header)
    if (header.length > this.#maxChars) return value
    if (values.size >= this.#maxEntries || this.#chars + header.length > this.#maxChars) {
      values.clear()
      this.#chars = 0
    }
    values.set(header, value)
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
