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
  if (jwe.length === 0 || jwe.length > maxLength) return undefined
  const parts = jwe.split('.')
  // `dir` has an empty encrypted-key segment; every segment must be canonical base64url, since
  // decoders forgive padding and non-zero trailing bits and a changed cookie must never open.
  if (parts.length !== 5 || parts[1] !== '' || !parts.every(isCanonicalBase64url)) return undefined
  try {
    const { kid } = decodeProtectedHeader(jwe)
    if (typeof kid !== 'string') return undefined
    const key = ring.byKid.get(kid)
    if (key === undefined) return undefined
    const { plaintext } = await compactDecrypt(jwe, key.key, DECRYPT_OPTIONS)
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext)) as unknown
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
