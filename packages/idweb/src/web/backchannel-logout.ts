import { IdwebError, isIdwebError } from '../errors.ts'
import { readAtMost } from '../http/read-limited.ts'
import type { WebContext } from './context.ts'
import { CALLBACK_READ_MS } from './http.ts'
import { checkLogoutToken, MAX_LOGOUT_TOKEN_LENGTH } from './logout-token.ts'

/** The largest back-channel logout body read: one form field holding one token. */
const MAX_BODY_BYTES = MAX_LOGOUT_TOKEN_LENGTH + 1024

/**
 * `/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0): the provider posts a
 * `logout_token` when a user signs out there. A valid token, used once, ends the sessions it names
 * on every instance sharing the store (a `sid`: every session of that provider session; only a
 * `sub`: every session of that subject) and removes the account's tokens; the answer is 200.
 * Anything else is 400 with the spec's JSON error body (`invalid_request`), and signs nobody out.
 * The provider calls this server to server, with no cookie: nothing here reads one.
 */
export async function backchannelLogout(ctx: WebContext, request: Request): Promise<Response> {
  try {
    const token = await logoutTokenOf(request)
    const protocol = await ctx.protocol()
    const claims = await checkLogoutToken(protocol, token, ctx.config.idTokenSigningAlgs)
    if (!(await ctx.logouts.firstUse(claims.iss, claims.jti, claims.acceptedUntil))) {
      throw new IdwebError(
        'IDW_LOGOUT_TOKEN_INVALID',
        'The logout request was refused: this logout token was already used.',
      )
    }
    const identity =
      claims.sid !== undefined
        ? { iss: claims.iss, sid: claims.sid }
        : { iss: claims.iss, sub: claims.sub as string }
    const ended = await ctx.logouts.end(identity)
    const removed =
      ended.partition === undefined || (await ctx.acquirer.removeAccount(ended.partition))
    if (!ended.recorded || !removed) {
      // Not every instance may know, or the tokens are still there: the provider may try again.
      await ctx.logouts.release(claims.iss, claims.jti)
      ctx.logger.error('back-channel logout not fully recorded: the shared store failed', {})
      return spec(400, 'temporarily_unavailable', 'The logout could not be recorded; try again.')
    }
    return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } })
  } catch (err) {
    if (isIdwebError(err) && err.code === 'IDW_PROVIDER_UNAVAILABLE') {
      ctx.logger.warn('back-channel logout could not be checked', { reason: err.message })
      // Back-Channel Logout 1.0 (2.8) answers every failure 400; the error says it was ours.
      return spec(400, 'temporarily_unavailable', err.message)
    }
    if (!isIdwebError(err) || err.status >= 500) throw err
    ctx.logger.warn('back-channel logout refused', { code: err.code, reason: err.message })
    return spec(400, 'invalid_request', err.message)
  }
}

/** The single `logout_token` of an urlencoded form post, within the size and time limits. */
async function logoutTokenOf(request: Request): Promise<string> {
  const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    throw bad('expected an application/x-www-form-urlencoded form post')
  }
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (declared > MAX_BODY_BYTES) throw bad('the body is too large')
  let bytes: Uint8Array | undefined
  try {
    bytes = await readAtMost(request.body, MAX_BODY_BYTES, AbortSignal.timeout(CALLBACK_READ_MS))
  } catch (err) {
    throw bad('the body could not be read', err)
  }
  if (bytes === undefined) throw bad('the body is too large')
  const params = new URLSearchParams(new TextDecoder().decode(bytes))
  const tokens = params.getAll('logout_token')
  if (tokens.length !== 1 || tokens[0] === '') {
    throw bad(tokens.length > 1 ? 'logout_token is repeated' : 'logout_token is missing')
  }
  return tokens[0] as string
}

function bad(reason: string, cause?: unknown): IdwebError {
  return new IdwebError('IDW_BAD_REQUEST', `The logout request was refused: ${reason}.`, {
    ...(cause === undefined ? {} : { cause }),
  })
}

/** The spec's error answer: JSON `{ error, error_description }`, never cached. */
function spec(status: number, error: string, description: string): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  })
}
