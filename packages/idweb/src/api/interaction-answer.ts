import type { InteractionRequiredError } from '../errors.ts'
import type { ChallengeOptions } from './www-authenticate.ts'

/**
 * What a web API answers when its on-behalf-of call needs its caller's user, so that the client
 * (a web app) can act on it:
 *
 * - a claims challenge (conditional access, CAE): 403 with
 *   `WWW-Authenticate: Bearer error="insufficient_claims", claims="<base64>"`; the client signs
 *   the user in again for this API with those claims;
 * - consent missing for the API's own downstream permissions: 403 with
 *   `Bearer error="interaction_required", proposed_action="consent"`; the client asks again with
 *   `prompt=consent`, and the user consents for the API too (combined consent);
 * - another interaction (sign-in required): 403 with `Bearer error="interaction_required"`;
 * - the incoming token itself refused by the provider (`invalid_grant`): 401
 *   `error="invalid_token"`, so the client gets a new token and retries once.
 *
 * The JSON body is `{ error, error_description, reason, claims? }`, never cached. The downstream
 * scopes are not named: they are the API's own business, and not what its caller should ask for.
 *
 * @example
 * ```ts
 * try {
 *   return Response.json(await callGraph(await acquirer.getTokenOnBehalfOf(incoming, ['User.Read'])))
 * } catch (err) {
 *   if (err instanceof InteractionRequiredError) return interactionAnswer(err, { realm: 'todo-api' })
 *   throw err
 * }
 * ```
 */
export function interactionAnswer(
  err: InteractionRequiredError,
  options: ChallengeOptions = {},
): Response {
  const invalidToken = err.reason === 'invalid_grant'
  const error = err.claims
    ? 'insufficient_claims'
    : invalidToken
      ? 'invalid_token'
      : 'interaction_required'
  const description = invalidToken
    ? 'The provider refused to exchange this token: get a new one.'
    : `The user must sign in again (${err.reason}) for this API to act on their behalf.`
  const params: string[] = []
  if (options.realm !== undefined) params.push(`realm="${quoted(options.realm)}"`)
  params.push(`error="${error}"`, `error_description="${quoted(description)}"`)
  if (err.reason === 'consent_required' && !err.claims) params.push('proposed_action="consent"')
  // No `scope`: the scopes of the failed exchange are the API's downstream ones (Graph's), which
  // RFC 6750 would read as what to ask this API's token for, and which are the API's business.
  if (err.claims) params.push(`claims="${base64(err.claims)}"`)
  const body = {
    error,
    error_description: description,
    reason: err.reason,
    ...(err.claims ? { claims: err.claims } : {}),
  }
  return new Response(JSON.stringify(body), {
    status: invalidToken ? 401 : 403,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'www-authenticate': `Bearer ${params.join(', ')}`,
    },
  })
}

function quoted(value: string): string {
  const safe = value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, ' ')
  return safe.length > 200 ? `${safe.slice(0, 197)}...` : safe
}

/** Base64 of the UTF-8 bytes, with Web APIs only: the API side runs where `Buffer` does not. */
function base64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}
