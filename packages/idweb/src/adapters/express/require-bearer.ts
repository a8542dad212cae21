import type { RequestHandler } from 'express'
import type { BearerValidator } from '../../api/validator.ts'
import { bearerCheck, type RequireBearerOptions } from '../shared/answers.ts'
import { sendWebResponse } from './send-web-response.ts'

/**
 * Protects routes of a web API with bearer tokens: validates the `Authorization` header (read from
 * `req.headersDistinct`, so a duplicated header is refused, not half-read), checks scopes/roles,
 * and sets `req.auth` (an `ApiPrincipal` of `idweb/api`). Refusals are answered here, per RFC 6750: 401 with
 * `WWW-Authenticate: Bearer ...` for a missing, malformed or invalid token, 403
 * `error="insufficient_scope"` for a missing scope or role, 503 when the issuer's keys cannot be
 * fetched. A bad token never becomes a 500.
 *
 * @example
 * ```ts
 * import { createBearerValidator } from 'idweb/api'
 * import { requireBearer } from 'idweb/express'
 *
 * const validator = createBearerValidator({ discoveryUrl, clientId: apiClientId })
 * app.get('/todos', requireBearer(validator, { scopes: ['Todo.Read'] }), (req, res) => {
 *   res.json(listTodos(req.auth?.oid))
 * })
 * ```
 */
export function requireBearer(
  validator: BearerValidator,
  options: RequireBearerOptions = {},
): RequestHandler {
  const check = bearerCheck(validator, options)
  return (req, res, next) => {
    check(req.headersDistinct).then((answer) => {
      if (answer instanceof Response) return sendWebResponse(res, answer)
      req.auth = answer
      next()
    }, next)
  }
}
