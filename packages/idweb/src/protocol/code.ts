import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { IdwebError, ProtocolError } from '../errors.ts'
import {
  isIssuerTemplate,
  type ProtocolContext,
  requestOptions,
  TENANT_TEMPLATE,
} from './context.ts'
import { isIdTokenFailure, isResponseFailure, protocolFields, toIdwebError } from './errors.ts'
import { type TokenResult, toTokenResult } from './tokens.ts'

/** What the callback knows from the sealed sign-in transaction. */
export interface CodeRedemption {
  /** The authorization response parameters (query string or `form_post` body). */
  params: URLSearchParams
  state: string
  nonce: string
  codeVerifier: string
  redirectUri: string
  scopes: readonly string[]
}

/**
 * Checks the authorization response (`state`, and `iss` where the provider advertises RFC 9207)
 * and returns the parameters to redeem. A provider error (`access_denied`, ...) becomes
 * `IDW_AUTHORIZATION_DENIED`; anything malformed `IDW_CALLBACK_INVALID` or `IDW_STATE_INVALID`.
 */
export function checkAuthorizationResponse(
  ctx: ProtocolContext,
  params: URLSearchParams,
  expectedState: string,
): URLSearchParams {
  // Present but empty, these would read as absent to the checks below: an `error=` beside a code
  // is neither a success nor an error response.
  for (const name of ['error', 'iss']) {
    if (params.has(name) && !params.get(name)) {
      throw new IdwebError(
        'IDW_CALLBACK_INVALID',
        `The sign-in response has an empty "${name}" parameter. Please sign in again.`,
      )
    }
  }
  let checked: URLSearchParams
  try {
    checked = oauth.validateAuthResponse(ctx.as, ctx.client, params, expectedState)
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) throw toIdwebError(err, [])
    const message = err instanceof Error ? err.message : String(err)
    const code = /"state"/.test(message) ? 'IDW_STATE_INVALID' : 'IDW_CALLBACK_INVALID'
    throw new IdwebError(code, `The sign-in response was rejected: ${message}`, { cause: err })
  }
  // Checked here, not left to the code grant, whose complaint would read as a provider failure.
  if (!checked.get('code')) {
    throw new IdwebError(
      'IDW_CALLBACK_INVALID',
      'The sign-in response has no authorization code. Please sign in again.',
    )
  }
  return checked
}

/**
 * Redeems the authorization code with PKCE and validates the ID token fully: signature against the
 * provider's keys, issuer (the `{tenantid}` template filled from `tid` for Entra multi-tenant
 * apps), audience, `azp`, `nonce`, and lifetime.
 */
export async function redeemCode(
  ctx: ProtocolContext,
  checked: URLSearchParams,
  redemption: Omit<CodeRedemption, 'params' | 'state'>,
): Promise<TokenResult> {
  return ctx.authenticator.run((clientAuth) => redeem(ctx, clientAuth, checked, redemption))
}

async function redeem(
  ctx: ProtocolContext,
  clientAuth: oauth.ClientAuth,
  checked: URLSearchParams,
  redemption: Omit<CodeRedemption, 'params' | 'state'>,
): Promise<TokenResult> {
  let response: Response
  try {
    response = await oauth.authorizationCodeGrantRequest(
      ctx.as,
      ctx.client,
      clientAuth,
      checked,
      redemption.redirectUri,
      redemption.codeVerifier,
      {
        ...requestOptions(ctx.http),
        additionalParameters: ctx.requestClientInfo ? { client_info: '1' } : undefined,
      },
    )
  } catch (err) {
    throw toIdwebError(err, redemption.scopes)
  }
  const as = await issuerFor(ctx, response)
  let processed: oauth.TokenEndpointResponse
  try {
    processed = await oauth.processAuthorizationCodeResponse(as, ctx.client, response, {
      expectedNonce: redemption.nonce,
      requireIdToken: true,
    })
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) {
      // The code was refused (replayed, expired, PKCE mismatch): a failed sign-in, not an outage.
      throw new ProtocolError(protocolFields(err.cause), undefined, {
        cause: err,
        code: 'IDW_CALLBACK_INVALID',
      })
    }
    // The ID token's own failures are a refused sign-in (401); a malformed answer around it
    // (a 400 or 302 without an OAuth error, no access token) is the provider's fault (502).
    if (isIdTokenFailure(err)) throw idTokenError(err)
    throw toIdwebError(err, redemption.scopes)
  }
  await checkIdTokenSignature(ctx, as, response, processed)
  return toTokenResult(processed, redemption.scopes)
}

/**
 * Verifies the ID token's signature with the provider's published keys, and what oauth4webapi
 * leaves unchecked: an `iat` later than now plus the clock tolerance (a token from the future).
 */
export async function checkIdTokenSignature(
  ctx: ProtocolContext,
  as: oauth.AuthorizationServer,
  response: Response,
  processed: oauth.TokenEndpointResponse,
): Promise<void> {
  const claims = oauth.getValidatedIdTokenClaims(processed)
  const now = Math.floor(Date.now() / 1000)
  if (claims && claims.iat > now + ctx.clockToleranceSeconds) {
    throw new IdwebError(
      'IDW_ID_TOKEN_INVALID',
      `The ID token was rejected: it was issued ${claims.iat - now} s in the future, more than the ${ctx.clockToleranceSeconds} s clock tolerance.`,
    )
  }
  try {
    await oauth.validateApplicationLevelSignature(as, response, {
      ...requestOptions(ctx.http),
      [oauth.jwksCache]: ctx.jwksCache,
    })
  } catch (err) {
    // An unusable key set (not an array of keys, an unexpected status) is the provider's fault;
    // anything else here is the token's: its header, its signature, its key.
    if (isResponseFailure(err)) throw toIdwebError(err, [])
    throw idTokenError(err)
  }
}

/**
 * The authorization server metadata to validate this response's ID token against. For Entra's
 * multi-tenant template the issuer is filled from the token's own `tid`; oauth4webapi then compares
 * `iss` to it exactly, so a token of tenant X claiming `tid` Y fails. Tenants outside
 * `allowedTenants` are refused here.
 */
export async function issuerFor(
  ctx: ProtocolContext,
  response: Response,
): Promise<oauth.AuthorizationServer> {
  if (!isIssuerTemplate(ctx.as) || !response.ok) return ctx.as
  let tid: unknown
  try {
    const body = (await response.clone().json()) as { id_token?: unknown }
    if (typeof body.id_token !== 'string') return ctx.as
    tid = decodeJwt(body.id_token).tid
  } catch {
    return ctx.as // oauth4webapi reports the malformed body or token
  }
  if (typeof tid !== 'string' || !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(tid)) {
    throw new IdwebError('IDW_ID_TOKEN_INVALID', 'The ID token has no valid "tid" (tenant) claim.')
  }
  if (ctx.allowedTenants && !ctx.allowedTenants.includes(tid.toLowerCase())) {
    throw new IdwebError(
      'IDW_ISSUER_INVALID',
      `Tenant ${tid} is not in the allowed tenants list; add it to allowedTenants to accept its users.`,
    )
  }
  return { ...ctx.as, issuer: ctx.as.issuer.replace(TENANT_TEMPLATE, tid.toLowerCase()) }
}

function idTokenError(err: unknown): IdwebError {
  if (err instanceof IdwebError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new IdwebError('IDW_ID_TOKEN_INVALID', `The ID token was rejected: ${message}`, {
    cause: err,
  })
}
