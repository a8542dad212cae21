import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose'
import type { KeyRing } from './keys.ts'

/**
 * Seals JSON values as JWE compact serialization, `alg: dir`, `enc: A256GCM`, with the `kid` of the
 * ring's current key in the protected header (which AES-GCM authenticates). Opening looks the key
 * up by `kid` and never tries the others; anything that does not open, for any reason, is
 * `undefined`.
 */

const DECRYPT_OPTIONS = {
  keyManagementAlgorithms: ['dir' as const],
  contentEncryptionAlgorithms: ['A256GCM' as const],
  // Our values are never compressed; refuse `zip` outright rather than inflate attacker input.
  maxDecompressedLength: 0,
}

/**
 * Seals `value` (JSON-serialized) with the ring's current key.
 *
 * @example
 * ```ts
 * const jwe = await seal(ring, { sid, createdAt })
 * ```
 */
export async function seal(ring: KeyRing, value: unknown): Promise<string> {
  const plaintext = new TextEncoder().encode(JSON.stringify(value))
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: ring.current.kid })
    .encrypt(ring.current.key)
}

/**
 * Opens a value sealed by {@link seal} with any key of `ring`. Resolves `undefined` for anything
 * longer than `maxLength`, malformed, sealed with an unknown key or for another purpose, tampered
 * with, or not JSON. Never rejects.
 *
 * @example
 * ```ts
 * const value = await open(ring, cookieValue, 16_384)
 * if (value === undefined) return anonymous()
 * ```
 */
export async function open(ring: KeyRing, jwe: string, maxLength: number): Promise<unknown> {
  const now = openSync(ring, jwe, maxLength)
  return now === DEFERRED ? openWithJose(ring, jwe) : now
}

/** What {@link openSync} answers when only jose's asynchronous path can tell. */
export const DEFERRED: unique symbol = Symbol('idweb.open.deferred')

/**
 * {@link open}, synchronously where it can be: the value, `undefined` for anything that does
 * not open, or {@link DEFERRED} when the value must go through jose (no `node:crypto` here, or a
 * protected header other than the exact one idweb writes).
 */
export function openSync(ring: KeyRing, jwe: string, maxLength: number): unknown {
  const text = openTextSync(ring, jwe, maxLength)
  return typeof text === 'string' ? parseJsonText(text) : text
}

/** {@link openSync} before JSON parsing: the plaintext, `undefined` or {@link DEFERRED}. */
export function openTextSync(
  ring: KeyRing,
  jwe: string,
  maxLength: number,
): string | undefined | typeof DEFERRED {
  if (jwe.length === 0 || jwe.length > maxLength) return undefined
  const parts = jwe.split('.')
  // `dir` has an empty encrypted-key segment; every segment must be canonical base64url, since
  // decoders forgive padding and non-zero trailing bits and a changed cookie must never open.
  if (parts.length !== 5 || parts[1] !== '' || !parts.every(isCanonicalBase64url)) return undefined
  const [header, , iv, ciphertext, tag] = parts as [string, string, string, string, string]
  const fast = ring.byHeader.get(header)?.fast
  if (fast === undefined) return DEFERRED
  // Exactly the header idweb writes for a key of the ring: one synchronous AES-GCM decryption.
  const plaintext = fast.open(iv, ciphertext, tag)
  return plaintext === undefined ? undefined : utf8(plaintext)
}

async function openWithJose(ring: KeyRing, jwe: string): Promise<unknown> {
  try {
    const { kid } = decodeProtectedHeader(jwe)
    if (typeof kid !== 'string') return undefined
    const key = ring.byKid.get(kid)
    if (key === undefined) return undefined
    const { plaintext } = await compactDecrypt(jwe, key.key, DECRYPT_OPTIONS)
    return parseJson(plaintext)
  } catch {
    return undefined
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** The text of UTF-8 bytes, or `undefined` when they are not valid UTF-8. */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes)
  } catch {
    return undefined
  }
}

/** The JSON value of UTF-8 bytes, or `undefined` for invalid UTF-8 or JSON. */
function parseJson(bytes: Uint8Array): unknown {
  const text = utf8(bytes)
  return text === undefined ? undefined : parseJsonText(text)
}

/**
 * The JSON value of `text`, or `undefined` when it is not JSON.
 *
 * @example
 * ```ts
 * parseJsonText('{"v":1}') // { v: 1 }
 * ```
 */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Unpadded base64url whose unused trailing bits are zero: the one encoding of its bytes. */
function isCanonicalBase64url(segment: string): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return false
  const rest = segment.length % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const last = ALPHABET.indexOf(segment.charAt(segment.length - 1))
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}
