import type { ErrorRequestHandler } from 'express'
import { interactionResponse, needsInteraction } from './interaction.ts'
import { sendWebResponse } from './send-web-response.ts'
import { stateOf } from './state.ts'

/**
 * Error middleware answering "the user must interact" (Identity.Web's `[AuthorizeForScopes]`).
 * Put it right after a route's handlers (Express 5 forwards a rejected promise to it; under
 * Express 4 pass errors to `next`), or once after all routes.
 *
 * When `req.identity.getToken` or `callApi` raises `IDW_INTERACTION_REQUIRED` (consent missing,
 * a claims challenge, a session whose token cache is empty after a restart, a revoked refresh
 * token) or `IDW_NOT_SIGNED_IN`:
 *
 * - people are sent to the provider again, asking for the missing scopes plus `scopes` and the
 *   claims challenge, and come back to `req.originalUrl`;
 * - programs (XHR, `Accept: application/json`) get 401 JSON `{ error, message, reason, scopes,
 *   claims?, signInUrl }` and `WWW-Authenticate: Bearer error="interaction_required", scope="..."`
 *   (`error="insufficient_claims", claims="<base64>"` for a claims challenge).
 *
 * Any other error goes on to the next error middleware.
 *
 * @param scopes Scopes to consent to together with the missing ones, e.g. everything the page uses.
 *
 * @example
 * ```ts
 * app.get('/profile', requireUser(), async (req, res) => {
 *   const me = await req.identity.callApi('GraphApi', { relativePath: 'me' })
 *   res.render('profile', { me })
 * }, authorizeForScopes(['User.Read']))
 * ```
 */
export function authorizeForScopes(scopes: readonly string[] = []): ErrorRequestHandler {
  const extra = [...scopes]
  return (err, req, res, next) => {
    const state = stateOf(req)
    if (!needsInteraction(err) || !state || res.headersSent) {
      next(err)
      return
    }
    interactionResponse(state, req, err, extra)
      .then((response) => sendWebResponse(res, response))
      .catch((failure: unknown) => next(failure))
  }
}
