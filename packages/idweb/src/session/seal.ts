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
