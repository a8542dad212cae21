import { base64url } from 'jose'
import { ConfigError } from '../errors.ts'
import { type FastOpener, fastOpener } from './fast-open.ts'

/**
 * Keys for sealing cookies, derived with HKDF-SHA-256 from the configured secrets, one key per
 * purpose: a value sealed for one purpose cannot be opened as another (a transaction cookie is never
 * a session). Each key carries a `kid`, a short hash of the derived key, written into the JWE
 * protected header so opening picks the one right key instead of trying every secret.
 */

/** What a derived key seals. Each purpose has its own HKDF `info`, so its own key and kid. */
export type KeyPurpose = 'session' | 'transaction' | 'store'

/** A configured secret: a string of at least 32 characters, or at least 32 random bytes. */
export type SessionSecret = string | Uint8Array

/** Minimum secret length, in characters for strings and bytes for byte arrays. */
export const MIN_SECRET_LENGTH = 32

/** One derived content-encryption key. */
export interface DerivedKey {
  readonly kid: string
  readonly key: CryptoKey
  /** The synchronous opener of this key's values, where `node:crypto` is available. */
  readonly fast: FastOpener | undefined
}

/** The keys of one purpose: `current` seals, any of `byKid` opens. */
export interface KeyRing {
  readonly current: DerivedKey
  readonly byKid: ReadonlyMap<string, DerivedKey>
  /** The keys that have a fast opener, by the exact protected header segment idweb writes. */
  readonly byHeader: ReadonlyMap<string, DerivedKey>
}

const INFO: Record<KeyPurpose, string> = {
  session: 'idweb/v1 session cookie',
  transaction: 'idweb/v1 transaction cookie',
  store: 'idweb/v1 session store entry',
}

/**
 * Validates the secrets list, throwing a {@link ConfigError} that names the offending entry
 * (`session.secrets[1]: must be at least 32 characters`). Returns the secrets as bytes.
 *
 * @example
 * ```ts
 * checkSecrets([process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET], 'session.secrets')
 * ```
 */
export function checkSecrets(secrets: unknown, setting: string): Array<Uint8Array<ArrayBuffer>> {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ConfigError(
      setting,
      'is required: give at least one random secret of 32 or more characters (e.g. `openssl rand -base64 48`); list older secrets after it to keep their sessions during a rotation',
    )
  }
  const seen = new Map<string, number>()
  return secrets.map((secret: unknown, i) => {
    const key = `${setting}[${i}]`
    let bytes: Uint8Array<ArrayBuffer>
    if (typeof secret === 'string') {
      if (secret.length < MIN_SECRET_LENGTH) {
        throw new ConfigError(key, `must be at least ${MIN_SECRET_LENGTH} characters`)
      }
      bytes = new TextEncoder().encode(secret)
    } else if (secret instanceof Uint8Array) {
      if (secret.byteLength < MIN_SECRET_LENGTH) {
        throw new ConfigError(key, `must be at least ${MIN_SECRET_LENGTH} bytes`)
      }
      bytes = new Uint8Array(secret)
    } else {
      throw new ConfigError(key, 'must be a string or a Uint8Array')
    }
    const fingerprint = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
    const earlier = seen.get(fingerprint)
    if (earlier !== undefined) {
      throw new ConfigError(key, `repeats ${setting}[${earlier}]: list each secret once`)
    }
    seen.set(fingerprint, i)
    return bytes
  })
}

/**
 * Derives the key ring of one purpose from validated secrets (the first secret seals).
 *
 * @example
 * ```ts
 * const ring = await deriveKeyRing(checkSecrets(secrets, 'session.secrets'), 'session')
 * ```
 */
export async function deriveKeyRing(
  secrets: ReadonlyArray<Uint8Array<ArrayBuffer>>,
  purpose: KeyPurpose,
): Promise<KeyRing> {
  const keys = await Promise.all(secrets.map((s) => deriveKey(s, purpose)))
  const [current] = keys
  if (current === undefined) throw new TypeError('deriveKeyRing: no secrets')
  const byHeader = new Map<string, DerivedKey>()
  for (const k of keys) if (k.fast !== undefined) byHeader.set(k.fast.header, k)
  return { current, byKid: new Map(keys.map((k) => [k.kid, k])), byHeader }
}

async function deriveKey(
  secret: Uint8Array<ArrayBuffer>,
  purpose: KeyPurpose,
): Promise<DerivedKey> {
  const subtle = globalThis.crypto.subtle
  const ikm = await subtle.importKey('raw', secret, 'HKDF', false, ['deriveBits'])
  const raw = new Uint8Array(
    await subtle.deriveBits(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: new Uint8Array(0),
        info: new TextEncoder().encode(INFO[purpose]),
      },
      ikm,
      256,
    ),
  )
  const digest = new Uint8Array(await subtle.digest('SHA-256', raw))
  const kid = base64url.encode(digest.subarray(0, 9))
  const key = await subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ])
  const fast = fastOpener(raw, kid)
  raw.fill(0)
  return { kid, key, fast }
}
