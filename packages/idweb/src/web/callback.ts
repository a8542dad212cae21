import { IdwebError, isIdwebError } from '../errors.ts'
import { redactId } from '../logger.ts'
import { checkAuthorizationResponse, redeemCode } from '../protocol/code.ts'
import type { ProtocolContext } from '../protocol/context.ts'
import { homeAccountId as homeAccountIdOf, type TokenResult } from '../protocol/tokens.ts'
import { absoluteUrl, type SignInTransaction, sessionClaimsOf, type WebContext } from './context.ts'
import { callbackParameters, errorResponse, redirect } from './http.ts'

/**
 * The sign-in callback (`/signin-oidc`), in named steps:
 * readTransaction → checkState → redeemCode (validates the ID token) → startSession (which stores
 * the tokens first).
 * Whatever fails once the transaction is read, its cookie is cleared and nobody is signed in; a
 * request too malformed to name one (oversized, not a form, a repeated parameter) touches none.
 */
export async function callback(ctx: WebContext, request: Request): Promise<Response> {
  let params: URLSearchParams
  try {
    params = await callbackParameters(request)
  } catch (err) {
    // Malformed before any transaction was read: nothing was used up, so a genuine response for
    // the same sign-in still completes.
    logFailure(ctx, err)
    return errorResponse(err, request)
  }
  let opened: string | undefined
  try {
    const tx = await readTransaction(ctx, request, params.get('state') ?? undefined)
    opened = tx.state
    const protocol = await ctx.protocol()
    const checked = checkState(protocol, params, tx)
    const tokens = await redeemCode(protocol, checked, {
      nonce: tx.nonce,
      codeVerifier: tx.codeVerifier,
      redirectUri: absoluteUrl(request, ctx.config.callbackPath),
      scopes: tx.scopes,
    })
    const cookies = await startSession(ctx, request, tokens)
    cookies.push(ctx.sessions.clearTransaction(tx.state, request))
    return redirect(tx.returnTo, cookies)
  } catch (err) {
    logFailure(ctx, err)
    const clear = opened
      ? [ctx.sessions.clearTransaction(opened, request)]
      : ctx.sessions.clearAllTransactions(request)
    return errorResponse(err, request, clear)
  }
}

/** Opens the transaction the callback's `state` names; refuses replays before any token request. */
async function readTransaction(
  ctx: WebContext,
  request: Request,
  state: string | undefined,
): Promise<SignInTransaction> {
  if (!state) {
    throw new IdwebError(
      'IDW_STATE_INVALID',
      'The sign-in response has no state. Please sign in again.',
    )
  }
  const tx = await ctx.sessions.openTransaction<SignInTransaction>(request, state)
  if (!tx) {
    throw new IdwebError(
      'IDW_STATE_INVALID',
      'This sign-in response does not match a sign-in started here, or it expired. Please sign in again.',
    )
  }
  if (!ctx.consumed.consume(tx.state)) {
    throw new IdwebError(
      'IDW_STATE_INVALID',
      'This sign-in response was already used. Please sign in again.',
    )
  }
  return tx
}

/** Checks `state` (and `iss`, where the provider advertises RFC 9207) against the transaction. */
function checkState(
  protocol: ProtocolContext,
  params: URLSearchParams,
  tx: SignInTransaction,
): URLSearchParams {
  return checkAuthorizationResponse(protocol, params, tx.state)
}

/**
 * Starts a new session (a new session id: no fixation) holding the ID token's key claims, after
 * writing the sign-in's tokens into its cache partition: the account's, or with the session token
 * cache the new session's (the session it replaces takes its tokens with it).
 */
async function startSession(
  ctx: WebContext,
  request: Request,
  tokens: TokenResult,
): Promise<string[]> {
  const idClaims = tokens.idTokenClaims
  if (!idClaims) throw new IdwebError('IDW_ID_TOKEN_INVALID', 'The sign-in returned no ID token.')
  const homeAccountId = homeAccountIdOf(idClaims, tokens.clientInfo)
  const session = ctx.sessions.create({ homeAccountId, claims: sessionClaimsOf(idClaims) })
  const partition = ctx.tokenPartition(session.sid)
  if (partition !== undefined) {
    const replaced = await ctx.sessions.read(request).catch(() => undefined)
    const old = replaced && ctx.tokenPartition(replaced.sid)
    if (old !== undefined) await ctx.acquirer.removeAccount(old)
  }
  await ctx.acquirer.storeSignIn(tokens, partition)
  await ctx.logouts.rememberSignIn(idClaims, homeAccountId, partition)
  ctx.logger.info('user signed in', { account: redactId(homeAccountId) })
  return ctx.sessions.commit(request, session)
}

function logFailure(ctx: WebContext, err: unknown): void {
  if (isIdwebError(err)) {
    ctx.logger.warn('sign-in callback rejected', { code: err.code, reason: err.message })
  } else {
    ctx.logger.error('sign-in callback failed', {
      reason: err instanceof Error ? err.message : String(err),
    })
  }
}
