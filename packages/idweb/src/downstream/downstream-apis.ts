import type { AcquiredToken } from '../acquisition/acquirer.ts'
import type { ResolvedDownstreamApi } from '../config/resolved-config.ts'
import { ConfigError, IdwebError, InteractionRequiredError } from '../errors.ts'
import { causeCode } from '../http/provider-fetch.ts'
import { silentLogger } from '../logger.ts'
import { type ResourceAnswer, resourceRequest } from '../protocol/resource.ts'
import type { SignedInUser } from '../web/context.ts'
import { encodeBody, readJson } from './body.ts'
import { classifyChallenges } from './challenge.ts'
import { bodyExcerpt, DownstreamApiError } from './errors.ts'
import { type TokenGetter, tokenGetter } from './token-getter.ts'
import type { CallApiOptions, CreateDownstreamApisOptions, DownstreamApis } from './types.ts'
import { apiUrl } from './url.ts'

const METHOD = /^[A-Z]{1,16}$/
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/**
 * Creates the caller of the configured downstream APIs (Identity.Web's `IDownstreamApi`).
 *
 * Per call: the API's token comes from the acquirer (the user's, or the app's with
 * `RequestAppToken`), the URL is `BaseUrl` + `RelativePath` (refusing any path that leaves it), the
 * body is JSON unless it is already bytes, text, a form or a stream, and the call is aborted after
 * `TimeoutMs` (`IDW_TIMEOUT`). A 401 claims challenge (conditional access, CAE) becomes an
 * {@link InteractionRequiredError} carrying the claims, which the web layer turns into a new
 * sign-in; a 401 `invalid_token` is retried once with a refreshed token. Other error statuses raise
 * {@link DownstreamApiError}. Logs carry the API name, method, status and duration, never a token.
 *
 * @example
 * ```ts
 * const downstream = createDownstreamApis({ apis: config.downstreamApis, acquirer, logger })
 * app.get('/todos', async (req, res) => {
 *   res.json(await downstream.call<Todo[]>('TodoApi', req.user))
 * })
 * ```
 */
export function createDownstreamApis(options: CreateDownstreamApisOptions): DownstreamApis {
  const logger = options.logger ?? silentLogger

  async function execute(
    name: string,
    user: SignedInUser | undefined,
    call: CallApiOptions,
  ): Promise<{ response: Response; guard: <T>(work: Promise<T>) => Promise<T> }> {
    const api = lookup(options.apis, name)
    const incoming = call.onBehalfOf
    const appToken = incoming === undefined && (call.requestAppToken ?? api.requestAppToken)
    if (!appToken && !user && incoming === undefined) {
      throw new IdwebError(
        'IDW_NOT_SIGNED_IN',
        `DownstreamApis.${name} is called for the signed-in user, and no user is signed in: require a user first, or set RequestAppToken.`,
      )
    }
    const getToken: TokenGetter =
      incoming !== undefined
        ? (wanted, request = {}) =>
            options.acquirer.getTokenOnBehalfOf(incoming, wanted, '', {
              forceRefresh: Boolean(request.forceRefresh),
            })
        : tokenGetter(options.acquirer, user, {
            requestAppToken: appToken,
            ...(call.tenant !== undefined ? { tenant: call.tenant } : {}),
          })
    const scopes = scopesOf(call.scopes ?? api.scopes, name)
    const method = methodOf(call.method ?? api.httpMethod)
    const url = apiUrl(api.baseUrl, call.relativePath ?? api.relativePath, call.query)
    const encoded = encodeBody(call.body)
    if (encoded.body !== undefined && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError(`A ${method} call to DownstreamApis.${name} cannot have a body.`)
    }
    const headers = new Headers(call.headers)
    if (headers.has('authorization')) {
      throw new TypeError(`Do not set "authorization" for DownstreamApis.${name}: idweb sets it.`)
    }
    if (!headers.has('accept')) headers.set('accept', 'application/json')
    if (encoded.contentType && !headers.has('content-type')) {
      headers.set('content-type', encoded.contentType)
    }

    const timeoutMs = call.timeoutMs ?? api.timeoutMs
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new TypeError(`The timeout of DownstreamApis.${name} must be a positive number.`)
    }
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout
    const started = performance.now()
    const fields = () => ({
      api: name,
      method,
      appToken,
      durationMs: Math.round(performance.now() - started),
    })
    const guard = async <T>(work: Promise<T>): Promise<T> => {
      try {
        return await work
      } catch (err) {
        if (call.signal?.aborted) throw err
        if (timeout.aborted) {
          logger.warn('downstream API call timed out', { ...fields(), timeoutMs })
          throw new IdwebError(
            'IDW_TIMEOUT',
            `DownstreamApis.${name} did not answer within ${timeoutMs} ms.`,
            { cause: err },
          )
        }
        const unreachable = unreachableCode(err)
        if (unreachable !== undefined) {
          logger.warn('downstream API cannot be reached', { ...fields(), reason: unreachable })
          throw new IdwebError(
            'IDW_DOWNSTREAM_UNAVAILABLE',
            `DownstreamApis.${name}: cannot reach ${url.origin}: ${unreachable}; is the API running, and is its BaseUrl right?`,
            { cause: err },
          )
        }
        throw err
      }
    }
    const send = (token: AcquiredToken): Promise<ResourceAnswer> =>
      guard(
        resourceRequest({
          accessToken: token.accessToken,
          method,
          url,
          headers,
          body: encoded.body,
          signal,
          fetch: options.fetch,
        }),
      )

    const sent: string[] = []
    let token = await getToken(scopes)
    sent.push(token.accessToken)
    let answer = await send(token)
    let retried = false
    if (
      answer.response.status === 401 &&
      encoded.replayable &&
      classifyChallenges(answer.challenges).kind === 'invalid_token'
    ) {
      await answer.response.body?.cancel().catch(() => {})
      logger.info('downstream API refused the token; retrying once with a new one', fields())
      token = await getToken(scopes, { forceRefresh: true })
      sent.push(token.accessToken)
      answer = await send(token)
      retried = true
    }
    const { response } = answer
    logger.info('downstream API call', { ...fields(), status: response.status, retried })
    if (response.ok) return { response, guard }

    const challenged = response.status === 401 || response.status === 403
    const challenge = challenged ? classifyChallenges(answer.challenges) : undefined
    const excerpt = await bodyExcerpt(response, sent)
    if (challenge?.kind === 'claims') {
      const cause = new DownstreamApiError(name, response.status, excerpt, {
        detail: 'claims challenge',
      })
      if (!appToken) {
        throw new InteractionRequiredError('claims_challenge', scopes, {
          claims: challenge.claims,
          cause,
        })
      }
      throw cause
    }
    // A middle tier whose on-behalf-of call needs the user: sign in again for this API, with
    // prompt=consent when it lacks consent for its own downstream calls (combined consent).
    if (challenge?.kind === 'interaction' && response.status === 403 && !appToken) {
      const cause = new DownstreamApiError(name, response.status, excerpt, {
        detail: 'the API needs the user to interact',
      })
      throw new InteractionRequiredError(
        challenge.consent ? 'consent_required' : 'interaction_required',
        scopes,
        { cause, ...(challenge.consent ? { prompt: 'consent' } : {}) },
      )
    }
    throw new DownstreamApiError(name, response.status, excerpt, {
      ...(challenge?.kind === 'invalid_token' ? { detail: 'token refused' } : {}),
    })
  }

  return {
    async call<T = unknown>(
      name: string,
      user: SignedInUser | undefined,
      call: CallApiOptions = {},
    ): Promise<T> {
      const { response, guard } = await execute(name, user, call)
      return guard(readJson<T>(response, name))
    },
    async callRaw(name, user, call = {}) {
      return (await execute(name, user, call)).response
    },
  }
}

/**
 * The system error code (`ECONNREFUSED`, `ENOTFOUND`, ...) of a call that never got an answer:
 * `fetch` rejects with a bare `TypeError: fetch failed` and keeps the reason in its causes.
 */
function unreachableCode(err: unknown): string | undefined {
  if (!(err instanceof TypeError)) return undefined
  return (
    causeCode(err.cause) ?? (err.message === 'fetch failed' ? 'the connection failed' : undefined)
  )
}

function lookup(
  apis: Readonly<Record<string, ResolvedDownstreamApi>>,
  name: string,
): ResolvedDownstreamApi {
  const api = Object.hasOwn(apis, name) ? apis[name] : undefined
  if (!api) {
    throw new ConfigError(
      `DownstreamApis.${name}`,
      'is not configured: add it to the "DownstreamApis" section with its BaseUrl and Scopes.',
    )
  }
  return api
}

function scopesOf(scopes: readonly string[], name: string): readonly string[] {
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    scopes.some((s) => typeof s !== 'string' || s === '' || /\s/.test(s))
  ) {
    throw new TypeError(
      `The scopes of a call to DownstreamApis.${name} must be a non-empty list of scopes without spaces.`,
    )
  }
  return scopes
}

function methodOf(method: string): string {
  const upper = typeof method === 'string' ? method.toUpperCase() : ''
  if (!METHOD.test(upper) || FORBIDDEN_METHODS.has(upper)) {
    throw new TypeError(`${JSON.stringify(method)} is not an HTTP method idweb sends.`)
  }
  return upper
}
