/** The asymmetric JWS algorithms idweb accepts for tokens it verifies. */
export type AsymmetricAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'

/**
 * Every asymmetric algorithm idweb accepts. `none` and the HMAC family are absent on purpose:
 * with them anyone holding the (public) key material, or nothing at all, could forge a token.
 */
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])

/** Whether `alg` is one of {@link ASYMMETRIC_ALGORITHMS}. */
export function isAsymmetricAlgorithm(alg: unknown): alg is AsymmetricAlgorithm {
  return typeof alg === 'string' && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)
}
