import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { ConfigError, IdwebError } from '../errors.ts'

/** One AES-256 key of the cache key ring. */
export interface CacheKey {
  /** A short name stored in every blob's header (1-64 of `A-Z a-z 0-9 . _ -`), e.g. `2025-06`. */
  id: string
  /** 32 random bytes. */
  key: Uint8Array
}

const MAGIC = [0x49, 0x44, 0x57, 0x43] // "IDWC"
/** Version 2 adds the time of sealing to the header; version 1 blobs still open. */
const VERSION = 2
const STAMP_BYTES = 8
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * Seals partitions for the store: AES-256-GCM (node:crypto) with a fresh 96-bit IV per blob, the
 * partition key and the blob header as associated data, so a blob opens only under the partition
 * it was sealed for. Seals with the first key of the ring and opens with whichever key the blob's
 * header names, so keys rotate by prepending a new one and dropping the old one later.
 *
 * Blob layout: `"IDWC" | version (1) | idLength (1) | keyId | sealedAt (8) | iv (12) | ciphertext |
 * tag (16)`, where `sealedAt` (epoch ms, a big-endian double, authenticated with the header) tells
 * any instance reading the blob how old its store lifetime is, without opening it. Version 1 had
 * no `sealedAt`.
 *
 * @example
 * ```ts
 * const sealer = new Sealer([{ id: '2025-06', key: newKey }, { id: '2024-12', key: oldKey }])
 * const blob = sealer.seal('oid.tid', json)
 * sealer.open('oid.tid', blob) // the JSON bytes; another partition key throws IDW_CACHE_CORRUPT
 * ```
 */
export class Sealer {
  readonly #keys: ReadonlyMap<string, Uint8Array>
  readonly #current: { id: string; key: Uint8Array }

  constructor(keys: readonly CacheKey[]) {
    if (keys.length === 0) {
      throw new ConfigError('cache.keys', 'needs at least one 32-byte key to seal store entries')
    }
    const ring = new Map<string, Uint8Array>()
    for (const k of keys) {
      if (!KEY_ID.test(k.id)) {
        throw new ConfigError('cache.keys', `key id "${k.id}" must be 1-64 of A-Z a-z 0-9 . _ -`)
      }
      if (!(k.key instanceof Uint8Array) || k.key.length !== 32) {
        throw new ConfigError('cache.keys', `key "${k.id}" must be 32 random bytes (AES-256)`)
      }
      if (k.key.every((b) => b === k.key[0])) {
        throw new ConfigError('cache.keys', `key "${k.id}" is not random: generate 32 random bytes`)
      }
      if (ring.has(k.id)) throw new ConfigError('cache.keys', `key id "${k.id}" is used twice`)
      ring.set(k.id, Uint8Array.from(k.key))
    }
    this.#keys = ring
    const first = keys[0]!
    this.#current = { id: first.id, key: ring.get(first.id)! }
  }

  /** The id of the key new blobs are sealed with. */
  get currentKeyId(): string {
    return this.#current.id
  }

  /** Seals `plaintext` for `partitionKey`, stamped `sealedAt` (epoch ms; default now). */
  seal(partitionKey: string, plaintext: Uint8Array | string, sealedAt = Date.now()): Uint8Array {
    const { key, id } = this.#current
    const head = header(id, sealedAt)
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(aad(head, partitionKey))
    const body = cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext) : plaintext)
    const final = cipher.final()
    const tag = cipher.getAuthTag()
    const out = new Uint8Array(head.length + IV_BYTES + body.length + final.length + TAG_BYTES)
    out.set(head, 0)
    out.set(iv, head.length)
    out.set(body, head.length + IV_BYTES)
    out.set(final, head.length + IV_BYTES + body.length)
    out.set(tag, out.length - TAG_BYTES)
    return out
  }

  /**
   * Opens a blob sealed for `partitionKey`. Throws `IDW_CACHE_CORRUPT` when the blob is not one
   * of ours, was altered or truncated, names an unknown key, or was sealed for another partition.
   * Nothing of a blob that fails is returned.
   */
  open(partitionKey: string, blob: Uint8Array): Uint8Array {
    const keyId = Sealer.keyIdOf(blob)
    if (keyId === undefined) throw corrupt('not a sealed cache entry')
    const key = this.#keys.get(keyId)
    if (key === undefined) throw corrupt('sealed with a key that is not in the key ring')
    const headLength = 6 + keyId.length + (blob[4] === 1 ? 0 : STAMP_BYTES)
    if (blob.length < headLength + IV_BYTES + TAG_BYTES) throw corrupt('truncated')
    const iv = blob.subarray(headLength, headLength + IV_BYTES)
    const tag = blob.subarray(blob.length - TAG_BYTES)
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
      decipher.setAAD(aad(blob.subarray(0, headLength), partitionKey))
      decipher.setAuthTag(tag)
      const body = decipher.update(blob.subarray(headLength + IV_BYTES, blob.length - TAG_BYTES))
      const final = decipher.final()
      return final.length === 0 ? body : Buffer.concat([body, final])
    } catch (err) {
      throw corrupt('authentication failed (altered, or sealed for another partition)', err)
    }
  }

  /** The key id in a blob's header, or `undefined` when it is not a sealed cache entry. */
  static keyIdOf(blob: Uint8Array): string | undefined {
    if (blob.length < 7) return undefined
    for (let i = 0; i < MAGIC.length; i++) if (blob[i] !== MAGIC[i]) return undefined
    if (blob[4] !== 1 && blob[4] !== VERSION) return undefined
    const length = blob[5]!
    if (length < 1 || length > 64 || blob.length < 6 + length) return undefined
    const id = Buffer.from(blob.subarray(6, 6 + length)).toString('latin1')
    return KEY_ID.test(id) ? id : undefined
  }

  /**
   * When a blob was sealed (epoch ms), from its header; `undefined` for a version 1 blob or one
   * that is not ours. Unauthenticated until the blob is opened: use it only to decide when to
   * write the entry again, never to trust its content.
   */
  static sealedAtOf(blob: Uint8Array): number | undefined {
    const keyId = Sealer.keyIdOf(blob)
    if (keyId === undefined || blob[4] === 1) return undefined
    const at = 6 + keyId.length
    if (blob.length < at + STAMP_BYTES) return undefined
    const stamp = Buffer.from(blob.buffer, blob.byteOffset + at, STAMP_BYTES).readDoubleBE(0)
    return Number.isFinite(stamp) ? stamp : undefined
  }
}

function header(keyId: string, sealedAt: number): Uint8Array {
  const head = Buffer.alloc(6 + keyId.length + STAMP_BYTES)
  head.set(MAGIC, 0)
  head[4] = VERSION
  head[5] = keyId.length
  head.write(keyId, 6, 'latin1')
  head.writeDoubleBE(sealedAt, 6 + keyId.length)
  return head
}

function aad(head: Uint8Array, partitionKey: string): Uint8Array {
  return Buffer.concat([head, Buffer.from(partitionKey, 'utf8')])
}

function corrupt(why: string, cause?: unknown): IdwebError {
  return new IdwebError('IDW_CACHE_CORRUPT', `Cache entry cannot be opened: ${why}`, { cause })
}
