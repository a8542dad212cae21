import type { RequestHandler } from 'express'
import { ConfigError } from '../../errors.ts'
import { notSignedInResponse } from '../shared/answers.ts'
import { sendWebResponse } from './send-web-response.ts'
import { stateOf } from './state.ts'

/**
 * Lets only signed-in users through. Without a user, a person's navigation is redirected (302) to
 * the sign-in route with `returnTo` set to the requested URL; a program (XHR, `Accept:
 * application/json`, see `wantsJson`) gets 401 JSON `{ "error": "IDW_NOT_SIGNED_IN", ... }`.
 *
 * Needs `idwebMiddleware` earlier in the chain.
 *
 * @example
 * ```ts
 * app.get('/account', requireUser(), (req, res) => {
 *   res.render('account', { name: req.identity.claims.name })
 * })
 * app.use('/todos', requireUser(), todosRouter)
 * ```
 */
export function requireUser(): RequestHandler {
  return (req, res, next) => {
    if (req.identity?.user) {
      next()
      return
    }
    const state = stateOf(req)
    if (!state) {
      next(new ConfigError('idwebMiddleware', 'must be mounted before requireUser().'))
      return
    }
    sendWebResponse(res, notSignedInResponse(state.idweb, state.webRequest())).catch(next)
  }
}
