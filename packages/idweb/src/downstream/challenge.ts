import type { ResourceChallenge } from '../protocol/resource.ts'

/** What a downstream API's `WWW-Authenticate` answer asks of the caller. */
export type ChallengeKind =
  /** A claims challenge (conditional access, CAE): the user must sign in again with these claims. */
  | { kind: 'claims'; claims: string }
  /** The token was refused (`invalid_token`: revoked, expired early, signing key rolled). */
  | { kind: 'invalid_token' }
  /**
   * The API's own on-behalf-of call needs the user (`error="interaction_required"`, 403):
   * `consent` when it asks for consent (`proposed_action="consent"`), for its downstream calls.
   */
  | { kind: 'interaction'; consent: boolean }
  | { kind: 'other' }

/** Claims challenges larger than this are not believed. */
const MAX_CLAIMS_CHARS = 16 * 1024

/**
 * Reads the bearer challenges of a 401 or 403 answer. An `error="insufficient_claims"` challenge whose
 * `claims` is base64 (or base64url) of a JSON object is a claims challenge, e.g. Entra's
 *
 * ```http
 * WWW-Authenticate: Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize",
 *   error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiYzEifX19"
 * ```
 *
 * A claims parameter that does not decode to a JSON object is ignored (the answer is then an
 * ordinary error): idweb never forwards unparsed attacker-shaped text to the provider.
 *
 * @example
 * ```ts
 * const what = classifyChallenges(answer.challenges)
 * if (what.kind === 'claims') throw new InteractionRequiredError('claims_challenge', scopes, { claims: what.claims })
 * ```
 */
export function classifyChallenges(challenges: readonly ResourceChallenge[]): ChallengeKind {
  const bearer = challenges.filter((c) => c.scheme === 'bearer' || c.scheme === 'pop')
  for (const c of bearer) {
    if (c.parameters.error !== 'insufficient_claims') continue
    const claims = decodeClaims(c.parameters.claims)
    if (claims !== undefined) return { kind: 'claims', claims }
  }
  if (bearer.some((c) => c.parameters.error === 'invalid_token')) return { kind: 'invalid_token' }
  const interaction = bearer.find((c) => c.parameters.error === 'interaction_required')
  if (interaction) {
    return { kind: 'interaction', consent: interaction.parameters.proposed_action === 'consent' }
  }
  return { kind: 'other' }
}

/**
 * Decodes a challenge's `claims` parameter to its JSON text, re-serialized so only JSON leaves.
 *
 * @example
 * ```ts
 * decodeClaims('eyJhY2Nlc3NfdG9rZW4iOnt9fQ==') // '{"access_token":{}}'
 * ```
 */
export function decodeClaims(value: string | undefined): string | undefined {
  if (!value || value.length > MAX_CLAIMS_CHARS) return undefined
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined
  try {
    const standard = value.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/')
    const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='))
    const json = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (ch) => ch.charCodeAt(0)),
    )
    const parsed: unknown = JSON.parse(json)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
    return JSON.stringify(parsed)
  } catch {
    return undefined
  }
}
