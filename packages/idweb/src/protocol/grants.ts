import * as oauth from 'oauth4webapi'
import { IdwebError, InteractionRequiredError } from '../errors.ts'
import { checkIdTokenSignature, issuerFor } from './code.ts'
import { type ProtocolContext, requestOptions } from './context.ts'
import { isIdTokenFailure, toIdwebError } from './errors.ts'
import { type TokenResult, toTokenResult } from './tokens.ts'

/** Scopes sent with every user-token request so the provider keeps returning ID and refresh tokens. */
const USER_SCOPES = ['openid', 'profile', 'offline_access']

/** What a refresh needs to know about the account it refreshes for. */
export interface RefreshRequest {
  refreshToken: string
  scopes: readonly string[]
  /** A claims challenge to satisfy, when one is pending. */
  claims?: string | undefined
  /** The account's `iss` and `sub`: a refreshed ID token must name the same user. */
  subject?: { iss: string; sub: string } | undefined
}

/**
 * Redeems a refresh token for the given scopes. The provider's refusal (`invalid_grant`,
 * `consent_required`, `interaction_required`) becomes an {@link InteractionRequiredError} carrying
 * the scopes to re-challenge for; a refreshed ID token for another subject or issuer is refused.
 */
export async function refreshGrant(
  ctx: ProtocolContext,
  request: RefreshRequest,
): Promise<TokenResult> {
  const scopes = ctx.entraScopes
    ? [...new Set([...USER_SCOPES, ...request.scopes])]
    : request.scopes
  const additional: Record<string, string> = {}
  if (scopes.length > 0) additional.scope = scopes.join(' ')
  if (ctx.requestClientInfo) additional.client_info = '1'
  if (request.claims) additional.claims = request.claims
  return ctx.authenticator.run((clientAuth) => refresh(ctx, clientAuth, request, additional))
}

async function refresh(
  ctx: ProtocolContext,
  clientAuth: oauth.ClientAuth,
  request: RefreshRequest,
  additional: Record<string, string>,
): Promise<TokenResult> {
  try {
    const response = await oauth.refreshTokenGrantRequest(
      ctx.as,
      ctx.client,
      clientAuth,
      request.refreshToken,
      { ...requestOptions(ctx.http), additionalParameters: additional },
    )
    const as = await issuerFor(ctx, response)
    const processed = await oauth
      .processRefreshTokenResponse(as, ctx.client, response)
      .catch((err: unknown) => {
        throw isIdTokenFailure(err)
          ? new IdwebError('IDW_ID_TOKEN_INVALID', 'The refreshed ID token was rejected', {
              cause: err,
            })
          : err
      })
    const result = toTokenResult(processed, request.scopes)
    if (result.idTokenClaims) {
      await checkIdTokenSignature(ctx, as, response, processed)
      const { iss, sub } = result.idTokenClaims
      if (request.subject && (iss !== request.subject.iss || sub !== request.subject.sub)) {
        throw new InteractionRequiredError('login_required', request.scopes, {
          cause: new Error('the refreshed ID token names another subject or issuer'),
        })
      }
    }
    return result
  } catch (err) {
    const mapped = toIdwebError(err, request.scopes)
    if (mapped.code === 'IDW_ID_TOKEN_INVALID' || mapped.code === 'IDW_ISSUER_INVALID') {
      throw new InteractionRequiredError('login_required', request.scopes, { cause: mapped })
    }
    throw mapped
  }
}

/** Acquires an app-only token (client credentials), e.g. for `api://{app}/.default`. */
export async function clientCredentialsGrant(
  ctx: ProtocolContext,
  scopes: readonly string[],
): Promise<TokenResult> {
  return ctx.authenticator.run(async (clientAuth) => {
    try {
      const response = await oauth.clientCredentialsGrantRequest(
        ctx.as,
        ctx.client,
        clientAuth,
        new URLSearchParams({ scope: scopes.join(' ') }),
        requestOptions(ctx.http),
      )
      return toTokenResult(
        await oauth.processClientCredentialsResponse(ctx.as, ctx.client, response),
        scopes,
      )
    } catch (err) {
      throw toIdwebError(err, scopes)
    }
  })
}

/**
 * Exchanges an incoming user access token for a token to a downstream API on the user's behalf
 * (Entra's on-behalf-of: RFC 7523 JWT bearer grant with `requested_token_use=on_behalf_of`).
 */
export async function onBehalfOfGrant(
  ctx: ProtocolContext,
  assertion: string,
  scopes: readonly string[],
): Promise<TokenResult> {
  const params: Record<string, string> = {
    assertion,
    requested_token_use: 'on_behalf_of',
    scope: [...new Set([...scopes, 'offline_access'])].join(' '),
  }
  if (ctx.requestClientInfo) params.client_info = '1'
  return ctx.authenticator.run(async (clientAuth) => {
    try {
      const response = await oauth.genericTokenEndpointRequest(
        ctx.as,
        ctx.client,
        clientAuth,
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
        params,
        requestOptions(ctx.http),
      )
      return toTokenResult(
        await oauth.processGenericTokenEndpointResponse(ctx.as, ctx.client, response),
        scopes,
      )
    } catch (err) {
      throw toIdwebError(err, scopes)
    }
  })
}

/** Where to send the browser to end the provider session (RP-initiated logout). */
export function endSessionUrl(
  ctx: ProtocolContext,
  options: {
    postLogoutRedirectUri: string
    idTokenHint?: string
    state?: string
    logoutHint?: string
  },
): URL | undefined {
  if (!ctx.as.end_session_endpoint) return undefined
  const url = new URL(ctx.as.end_session_endpoint)
  url.searchParams.set('client_id', ctx.client.client_id)
  url.searchParams.set('post_logout_redirect_uri', options.postLogoutRedirectUri)
  if (options.idTokenHint) url.searchParams.set('id_token_hint', options.idTokenHint)
  if (options.state) url.searchParams.set('state', options.state)
  if (options.logoutHint) url.searchParams.set('logout_hint', options.logoutHint)
  return url
}
