import type { RequestHandler } from 'express'
import { requireRoles, requireScopeOrAppPermission, requireScopes } from '../../api/authorize.ts'
import { toErrorResponse } from '../../api/error-response.ts'
import type { ApiPrincipal } from '../../api/principal.ts'
import type { BearerValidator } from '../../api/validator.ts'
import { sendWebResponse } from './send-web-response.ts'

/**
 * Options of {@link requireBearer}.
 *
 * @example
 * ```ts
 * const options: RequireBearerOptions = { scopes: ['Todo.Read', 'Todo.ReadWrite'], anyOf: true }
 * ```
 */
export interface RequireBearerOptions {
  /** Delegated scopes (`scp`) the caller needs. */
  scopes?: readonly string[]
  /** App roles (`roles`) the caller needs. With `scopes` too: either one of the scopes or one of the roles. */
  roles?: readonly string[]
  /** One of the listed scopes (or roles) is enough. Default `false`: all are needed. */
  anyOf?: boolean
  /** `realm` of the `WWW-Authenticate` challenge, e.g. the API's name. */
  realm?: string
}

/**
 * Protects routes of a web API with bearer tokens: validates the `Authorization` header (read from
 * `req.headersDistinct`, so a duplicated header is refused, not half-read), checks scopes/roles,
 * and sets `req.auth` ({@link ApiPrincipal}). Refusals are answered here, per RFC 6750: 401 with
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
  const scopes = [...(options.scopes ?? [])]
  const roles = [...(options.roles ?? [])]
  const anyOf = options.anyOf === true
  const challenge = options.realm === undefined ? {} : { realm: options.realm }
  const authorize = (principal: ApiPrincipal): void => {
    if (scopes.length > 0 && roles.length > 0) requireScopeOrAppPermission(principal, scopes, roles)
    else if (scopes.length > 0) requireScopes(principal, scopes, { anyOf })
    else if (roles.length > 0) requireRoles(principal, roles, { anyOf })
  }
  return (req, res, next) => {
    const check = async (): Promise<ApiPrincipal | undefined> => {
      try {
        const principal = await validator.authenticate(req.headersDistinct)
        authorize(principal)
        return principal
      } catch (err) {
        await sendWebResponse(res, toErrorResponse(err, challenge))
        return undefined
      }
    }
    check().then((principal) => {
      if (!principal) return
      req.auth = principal
      next()
    }, next)
  }
}
