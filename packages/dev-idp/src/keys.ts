import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { JWK } from 'jose'

/** The signing key every tenant shares (as Entra shares its keys across tenants). */
export interface SigningKeys {
  /** Private JWK (with `kid`, `alg`, `use`) for oidc-provider. */
  privateJwk: JWK & { kid: string }
  /** The public JWKS every tenant publishes. */
  jwks: { keys: Array<JWK & { kid: string }> }
  privateKey: KeyObject
  publicKey: KeyObject
}

const cache = new Map<string, SigningKeys>()

/**
 * An RS256 key pair. Keys are generated once per seed and process, so providers started in one
 * test run with the same seed publish the same JWKS.
 */
export function signingKeys(seed: string): SigningKeys {
  const cached = cache.get(seed)
  if (cached) return cached
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' }) as JWK
  const kid = createHash('sha256').update(`${jwk.n}`).digest('base64url').slice(0, 27)
  const privateJwk = { ...jwk, kid, alg: 'RS256', use: 'sig' }
  const pub = publicKey.export({ format: 'jwk' }) as JWK
  const keys: SigningKeys = {
    privateJwk,
    jwks: { keys: [{ kty: pub.kty, use: 'sig', kid, n: pub.n, e: pub.e, alg: 'RS256' }] },
    privateKey,
    publicKey,
  }
  cache.set(seed, keys)
  return keys
}
