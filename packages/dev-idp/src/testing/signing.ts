import type { KeyObject } from 'node:crypto'
import { signingKeys } from '../keys.ts'

/** What {@link providerSigningKey} returns. */
export interface ProviderSigningKey {
  /** The RS256 private key. */
  key: KeyObject
  /** The `kid` of its public key in the provider's JWKS. */
  kid: string
}

/**
 * The private key and `kid` a dev IdP started in this process with `seed` signs its tokens with:
 * for tests that must craft a token the provider never would (an expired or misdirected logout
 * token) yet signed as it would be. Never usable against a provider in another process.
 *
 * @example
 * ```ts
 * const { key, kid } = providerSigningKey()
 * const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key)
 * ```
 */
export function providerSigningKey(seed = 'idweb-dev-idp'): ProviderSigningKey {
  const keys = signingKeys(seed)
  return { key: keys.privateKey, kid: keys.privateJwk.kid }
}
