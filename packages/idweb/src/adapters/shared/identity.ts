import type { Client as GraphClient } from '@microsoft/microsoft-graph-client'
import type { UserTokenOptions } from '../../acquisition/acquirer.ts'
import { createDownstreamApis } from '../../downstream/downstream-apis.ts'
import { createGraphClient } from '../../downstream/graph-client.ts'
import { tokenGetter } from '../../downstream/token-getter.ts'
import type { CallApiOptions, DownstreamApis } from '../../downstream/types.ts'
import { IdwebError } from '../../errors.ts'
import type { SignedInUser } from '../../web/context.ts'
import type { Idweb } from '../../web/idweb.ts'

/**
 * Options every adapter's mount takes besides the idweb app.
 *
 * @example
 * ```ts
 * const options: IdentityOptions = { graphApiName: 'GraphBeta' }
 * ```
 */
export interface IdentityOptions {
  /**
   * The named downstream APIs behind `identity.callApi`. Default: created on first use from the
   * configuration's `downstreamApis` and `idweb.acquirer`.
   */
  downstream?: DownstreamApis
  /** The downstream API entry `identity.graph()` is configured from. Default `Graph`. */
  graphApiName?: string
}

/**
 * Who is making a request, and what can be done on their behalf: `req.identity` under Express and
 * Fastify, `c.get('identity')` under Hono, `getIdentity()` under Next.js. Every adapter builds the
 * same object, so code written against it moves between frameworks unchanged.
 *
 * @example
 * ```ts
 * app.get('/todos', requireUser(), authorizeForScopes([], async (req, res) => {
 *   res.render('todos', {
 *     name: req.identity.claims.name,
 *     todos: await req.identity.callApi<Todo[]>('TodoApi'),
 *   })
 * }))
 * ```
 */
export interface RequestIdentity {
  /** The signed-in user, or `undefined` for an anonymous request. */
  readonly user: SignedInUser | undefined
  /** Whether a user is signed in (`user !== undefined`). */
  readonly isAuthenticated: boolean
  /** The ID token claims kept in the session (`name`, `preferred_username`, `oid`, ...); `{}` when anonymous. */
  readonly claims: Readonly<Record<string, unknown>>
  /**
   * An access token for the signed-in user, silently from the cache or by refresh.
   *
   * @throws `IDW_NOT_SIGNED_IN` for an anonymous request, `IDW_INTERACTION_REQUIRED` when the user
   *   must consent or sign in again: let the adapter's `authorizeForScopes` or error handler answer.
   */
  getToken(scopes: readonly string[], options?: UserTokenOptions): Promise<string>
  /**
   * Calls a named downstream API (`downstreamApis` of the configuration) as the signed-in user and
   * returns its parsed JSON.
   *
   * @throws like {@link RequestIdentity.getToken}, plus `IDW_DOWNSTREAM_API_ERROR` and `IDW_TIMEOUT`.
   */
  callApi<T = unknown>(name: string, options?: CallApiOptions): Promise<T>
  /**
   * A Microsoft Graph SDK client (`@microsoft/microsoft-graph-client`, an optional peer) for the
   * signed-in user, configured from the `Graph` downstream API entry. Created on first call, then
   * the same client for the rest of the request.
   *
   * @throws `IDW_NOT_SIGNED_IN` for an anonymous request, `IDW_CONFIG_INVALID` when the entry or
   *   the SDK is missing; the client's calls raise `IDW_INTERACTION_REQUIRED` like `getToken`.
   */
  graph(): Promise<GraphClient>
}

const NO_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({})

/** What every request's identity shares, built once by an adapter. */
export interface IdentityContext {
  readonly idweb: Idweb
  /** The downstream APIs, created on first use. */
  readonly downstream: () => DownstreamApis
  /** The downstream API entry describing Microsoft Graph. */
  readonly graphApiName: string
}

/** The context an adapter builds once, at mount, and hands every request's identity. */
export function identityContext(idweb: Idweb, options: IdentityOptions = {}): IdentityContext {
  let apis = options.downstream
  return {
    idweb,
    downstream: () => {
      apis ??= createDownstreamApis({
        apis: idweb.config.downstreamApis,
        acquirer: idweb.acquirer,
        logger: idweb.logger,
      })
      return apis
    },
    graphApiName: options.graphApiName ?? 'Graph',
  }
}

/**
 * Builds the identity of one request. Everything beyond the user is lazy; the methods live on the
 * prototype, so a request costs one small object and no closures.
 */
export function createIdentity(
  context: IdentityContext,
  user: SignedInUser | undefined,
): RequestIdentity {
  return new Identity(context, user)
}

class Identity implements RequestIdentity {
  readonly user: SignedInUser | undefined
  readonly isAuthenticated: boolean
  readonly claims: Readonly<Record<string, unknown>>
  readonly #context: IdentityContext
  #graph: Promise<GraphClient> | undefined

  constructor(context: IdentityContext, user: SignedInUser | undefined) {
    this.#context = context
    this.user = user
    this.isAuthenticated = user !== undefined
    this.claims = user?.claims ?? NO_CLAIMS
  }

  getToken(scopes: readonly string[], options?: UserTokenOptions): Promise<string> {
    if (!this.user) return Promise.reject(notSignedIn())
    const acquirer = this.#context.idweb.acquirer
    const account = this.user.account
    // A cache hit, almost every call, settles at once: no async frames, no closure. Whatever
    // the scopes are, a failure is a rejection, as from an async function.
    try {
      const cached = acquirer.cachedTokenForUser(scopes, account, options)
      if (cached) return Promise.resolve(cached.accessToken)
      return acquirer.getTokenForUser(scopes, account, options).then(accessTokenOf)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  async callApi<T>(name: string, options?: CallApiOptions): Promise<T> {
    return this.#context.downstream().call<T>(name, this.user, options)
  }

  graph(): Promise<GraphClient> {
    const { idweb, graphApiName } = this.#context
    this.#graph ??= this.user
      ? createGraphClient({
          apis: idweb.config.downstreamApis,
          name: graphApiName,
          getToken: tokenGetter(idweb.acquirer, this.user),
        })
      : Promise.reject(notSignedIn())
    return this.#graph
  }
}

const accessTokenOf = (token: { accessToken: string }): string => token.accessToken

function notSignedIn(): IdwebError {
  return new IdwebError('IDW_NOT_SIGNED_IN', 'Sign in to continue.')
}
