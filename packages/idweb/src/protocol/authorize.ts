import * as oauth from 'oauth4webapi'
import type { ProtocolContext } from './context.ts'

/** What one authorization request asks for. */
export interface AuthorizationRequest {
  redirectUri: string
  scopes: readonly string[]
  state: string
  nonce: string
  codeVerifier: string
  responseMode: 'form_post' | 'query'
  /** A claims challenge to satisfy (JSON text), from conditional access or CAE. */
  claims?: string | undefined
  prompt?: string | undefined
  loginHint?: string | undefined
  domainHint?: string | undefined
  extraParameters?: Record<string, string> | undefined
}

/** The scopes every OpenID sign-in asks for, so the provider returns an ID and a refresh token. */
export const OIDC_SCOPES = ['openid', 'profile', 'offline_access'] as const

/**
 * Builds the authorization URL: response type `code`, PKCE S256 (the only method idweb sends),
 * `state` and `nonce`. The requested scopes are de-duplicated, with the OpenID scopes added.
 */
export async function authorizationUrl(
  ctx: ProtocolContext,
  request: AuthorizationRequest,
): Promise<URL> {
  if (!ctx.as.authorization_endpoint) {
    throw new TypeError('the provider publishes no authorization_endpoint')
  }
  const url = new URL(ctx.as.authorization_endpoint)
  const params = url.searchParams
  params.set('client_id', ctx.client.client_id)
  params.set('response_type', 'code')
  params.set('redirect_uri', request.redirectUri)
  params.set('scope', [...new Set([...OIDC_SCOPES, ...request.scopes])].join(' '))
  params.set('state', request.state)
  params.set('nonce', request.nonce)
  params.set('code_challenge', await oauth.calculatePKCECodeChallenge(request.codeVerifier))
  params.set('code_challenge_method', 'S256')
  params.set('response_mode', request.responseMode)
  if (ctx.requestClientInfo) params.set('client_info', '1')
  if (request.claims) params.set('claims', request.claims)
  if (request.prompt) params.set('prompt', request.prompt)
  if (request.loginHint) params.set('login_hint', request.loginHint)
  if (request.domainHint) params.set('domain_hint', request.domainHint)
  for (const [k, v] of Object.entries(request.extraParameters ?? {})) {
    if (!params.has(k)) params.set(k, v)
  }
  return url
}

/** Fresh random values for one authorization request. */
export function newTransactionSecrets(): { state: string; nonce: string; codeVerifier: string } {
  return {
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
  }
}
