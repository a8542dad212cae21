interface Node<V> {
  readonly key: string
  value: V
  bytes: number
  /** Towards the most recently used end. */
  prev: Node<V> | undefined
  /** Towards the least recently used end. */
  next: Node<V> | undefined
}

/**
 * A least-recently-used map bounded by the sum of its entries' sizes. A hit is one map lookup and
 * a few pointer moves (an intrusive list, no re-insertion). The most recently used entry is never
 * evicted, so one entry larger than the bound still fits alone.
 */
export class ByteLru<V> {
  readonly #map = new Map<string, Node<V>>()
  readonly #maxBytes: number
  readonly #onEvict: (key: string, value: V) => void
  #head: Node<V> | undefined
  #tail: Node<V> | undefined
  #bytes = 0

  constructor(maxBytes: number, onEvict: (key: string, value: V) => void = () => {}) {
    this.#maxBytes = maxBytes
    this.#onEvict = onEvict
  }

  /** Number of entries. */
  get size(): number {
    return this.#map.size
  }

  /** Sum of the entries' sizes. */
  get bytes(): number {
    return this.#bytes
  }

  /** The value under `key`, now the most recently used; `undefined` when absent. */
  get(key: string): V | undefined {
    const node = this.#map.get(key)
    if (node === undefined) return undefined
    if (node !== this.#head) {
      this.#unlink(node)
      this.#pushFront(node)
    }
    return node.value
  }

  /** The value under `key` without touching its recency. */
  peek(key: string): V | undefined {
    return this.#map.get(key)?.value
  }

  /** Every value, in no particular order, without touching recency. */
  *values(): IterableIterator<V> {
    for (const node of this.#map.values()) yield node.value
  }

  /** Adds or replaces `key` as the most recently used entry, then evicts down to the bound. */
  set(key: string, value: V, bytes: number): void {
    const old = this.#map.get(key)
    if (old !== undefined) {
      this.#unlink(old)
      this.#bytes -= old.bytes
    }
    const node: Node<V> = { key, value, bytes, prev: undefined, next: undefined }
    this.#map.set(key, node)
    this.#pushFront(node)
    this.#bytes += bytes
    this.#evict()
  }

  /** Updates the size of `key` if it still holds `value`, then evicts down to the bound. */
  resize(key: string, value: V, bytes: number): void {
    const node = this.#map.get(key)
    if (node === undefined || node.value !== value) return
    this.#bytes += bytes - node.bytes
    node.bytes = bytes
    this.#evict()
  }

  /** Removes `key`; returns its value. No eviction callback. */
  delete(key: string): V | undefined {
    const node = this.#map.get(key)
    if (node === undefined) return undefined
    this.#map.delete(key)
    this.#unlink(node)
    this.#bytes -= node.bytes
    return node.value
  }

  /** Keys from most to least recently used. */
  *keys(): Generator<string> {
    for (let n = this.#head; n !== undefined; n = n.next) yield n.key
  }

  #evict(): void {
    while (this.#bytes > this.#maxBytes && this.#tail !== undefined && this.#tail !== this.#head) {
      const victim = this.#tail
      this.#map.delete(victim.key)
      this.#unlink(victim)
      this.#bytes -= victim.bytes
      this.#onEvict(victim.key, victim.value)
    }
  }

  #unlink(node: Node<V>): void {
    if (node.prev === undefined) this.#head = node.next
    else node.prev.next = node.next
    if (node.next === undefined) this.#tail = node.prev
    else node.next.prev = node.prev
    node.prev = undefined
    node.next = undefined
  }

  #pushFront(node: Node<V>): void {
    node.next = this.#head
    if (this.#head !== undefined) this.#head.prev = node
    this.#head = node
    this.#tail ??= node
  }
}
