const MAX_TOMBSTONES = 100_000

/**
 * The partitions removed (signed out) in this process, each with the cache's sequence number at
 * its removal, so that a partition loaded before a removal never writes its tokens back. Bounded:
 * the oldest removals are forgotten first, once writes that old have long finished.
 */
export class Tombstones {
  readonly #removedAt = new Map<string, number>()

  add(key: string, seq: number): void {
    this.#removedAt.delete(key)
    this.#removedAt.set(key, seq)
    if (this.#removedAt.size > MAX_TOMBSTONES) {
      const oldest = this.#removedAt.keys().next()
      if (!oldest.done) this.#removedAt.delete(oldest.value)
    }
  }

  /** Whether `key` was removed after sequence number `seq`. */
  removedAfter(key: string, seq: number): boolean {
    const at = this.#removedAt.get(key)
    return at !== undefined && at > seq
  }
}
