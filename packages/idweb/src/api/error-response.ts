import { IdwebError, InteractionRequiredError } from '../errors.ts'
import { BearerError } from './bearer-error.ts'
import { interactionAnswer } from './interaction-answer.ts'
import { bearerCodeOf, type ChallengeOptions, wwwAuthenticate } from './www-authenticate.ts'

/**
 * Turns an error from {@link BearerValidator.authenticate} or the `require*` checks into the
 * response to send:
 *
 * - 401 with `WWW-Authenticate` for missing, malformed or invalid tokens;
 * - 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` for a missing
 *   scope or role;
 * - 503 when the identity provider's metadata or keys cannot be fetched: the token may well be
 *   valid, so the caller is told to retry rather than to get a new token;
 * - for an on-behalf-of call that needs the user (`InteractionRequiredError`), the challenge
 *   {@link interactionAnswer} builds (403, or 401 when the incoming token was refused);
 * - 500 only for an error that is not an idweb error (a bug, never a bad input).
 *
 * The body is `{ "error": ..., "error_description": ... }` as JSON, never cached.
 *
 * @example
 * ```ts
 * try {
 *   const principal = await validator.authenticate(request)
 *   requireScopes(principal, ['Todo.Read'])
 *   return Response.json(await listTodos(principal.oid))
 * } catch (err) {
 *   return toErrorResponse(err, { realm: 'todo-api' })
 * }
 * ```
 */
export function toErrorResponse(error: unknown, options: ChallengeOptions = {}): Response {
  const headers = new Headers({ 'content-type': 'application/json', 'cache-control': 'no-store' })
  if (!(error instanceof IdwebError)) {
    return json(500, headers, 'server_error', 'An unexpected error occurred.')
  }
  if (error instanceof InteractionRequiredError) return interactionAnswer(error, options)
  const isChallenge = error.status === 401 || error.status === 403
  if (isChallenge) headers.set('www-authenticate', wwwAuthenticate(error, options))
  if (error instanceof BearerError && error.reason === 'keys_unavailable') {
    // Our own wording (no provider detail), so it is safe to show although the code is not exposed.
    return json(503, headers, 'temporarily_unavailable', error.message)
  }
  const description = error.expose ? plain(error.message) : defaultDescription(error)
  const code = bearerCodeOf(error) ?? (isChallenge ? 'unauthorized' : 'server_error')
  return json(error.status, headers, code, description)
}

function json(status: number, headers: Headers, error: string, description: string): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers,
  })
}

function defaultDescription(error: IdwebError): string {
  return error.status === 503
    ? 'The service is temporarily unavailable. Try again later.'
    : 'The request failed.'
}

function plain(message: string): string {
  return message.length > 300 ? `${message.slice(0, 297)}...` : message
}
