import type { RequestHandler } from 'express'
import { ConfigError, IdwebError } from '../../errors.ts'
import { errorResponse, wantsJson } from '../../web/http.ts'
import { safeReturnTo } from '../../web/return-to.ts'
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
    const request = state.webRequest()
    if (wantsJson(request)) {
      const err = new IdwebError('IDW_NOT_SIGNED_IN', 'Sign in to continue.')
      sendWebResponse(res, errorResponse(err, request)).catch(next)
      return
    }
    const returnTo = encodeURIComponent(safeReturnTo(req.originalUrl))
    res.setHeader('cache-control', 'no-store')
    res.redirect(302, `${state.idweb.config.signInPath}?returnTo=${returnTo}`)
  }
}
