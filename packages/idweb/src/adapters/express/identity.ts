import type { UserTokenOptions } from '../../acquisition/acquirer.ts'
import type { ApiPrincipal } from '../../api/principal.ts'
import type { CallApiOptions, DownstreamApis } from '../../downstream/types.ts'
import { ConfigError, IdwebError } from '../../errors.ts'
import type { SignedInUser } from '../../web/context.ts'
import type { Idweb } from '../../web/idweb.ts'

/**
 * Who is making an Express request, and what can be done on their behalf. Set on `req.identity`
 * by `idwebMiddleware` for every request it does not answer itself.
 *
 * @example
 * ```ts
 * app.get('/todos', requireUser(), async (req, res) => {
 *   res.render('todos', {
 *     name: req.identity.claims.name,
 *     todos: await req.identity.callApi<Todo[]>('TodoApi'),
 *   })
 * }, authorizeForScopes())
 * ```
 */
export interface RequestIdentity {
  /** The signed-in user, or `undefined` for an anonymous request. */
  readonly user: SignedInUser | undefined
  readonly isAuthenticated: boolean
  /** The ID token claims kept in the session (`name`, `preferred_username`, `oid`, ...); `{}` when anonymous. */
  readonly claims: Readonly<Record<string, unknown>>
  /**
   * An access token for the signed-in user, silently from the cache or by refresh.
   *
   * @throws `IDW_NOT_SIGNED_IN` for an anonymous request, `IDW_INTERACTION_REQUIRED` when the user
   *   must consent or sign in again: let {@link authorizeForScopes} or {@link errorHandler} answer.
   */
  getToken(scopes: readonly string[], options?: UserTokenOptions): Promise<string>
  /**
   * Calls a named downstream API (`downstreamApis` of the configuration) as the signed-in user and
   * returns its parsed JSON.
   *
   * @throws like {@link RequestIdentity.getToken}, plus `IDW_DOWNSTREAM_API_ERROR` and `IDW_TIMEOUT`.
   */
  callApi<T = unknown>(name: string, options?: CallApiOptions): Promise<T>
}

declare global {
  // Express declares its request type in this global namespace; merging adds idweb's fields.
  namespace Express {
    interface Request {
      /** Set by `idwebMiddleware` (`idweb/express`) on every request it passes on. */
      identity: RequestIdentity
      /** Set by `requireBearer` (`idweb/express`) once the bearer token is valid. */
      auth?: ApiPrincipal
    }
  }
}

const NO_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({})

/** Builds the identity of one request. Everything beyond the user is lazy. */
export function createIdentity(
  idweb: Idweb,
  user: SignedInUser | undefined,
  downstream: () => DownstreamApis | undefined,
): RequestIdentity {
  return {
    user,
    isAuthenticated: user !== undefined,
    claims: user?.claims ?? NO_CLAIMS,
    async getToken(scopes, options) {
      if (!user) throw notSignedIn()
      return (await idweb.getTokenForUser(user, scopes, options)).accessToken
    },
    callApi<T>(name: string, options?: CallApiOptions): Promise<T> {
      const apis = downstream()
      if (!apis) {
        return Promise.reject(
          new ConfigError(
            'downstream',
            `cannot call "${name}": pass { downstream: createDownstreamApis(...) } to idwebMiddleware.`,
          ),
        )
      }
      return apis.call<T>(name, user, options)
    },
  }
}

function notSignedIn(): IdwebError {
  return new IdwebError('IDW_NOT_SIGNED_IN', 'Sign in to continue.')
}
