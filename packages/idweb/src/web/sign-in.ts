import { authorizationUrl, newTransactionSecrets } from '../protocol/authorize.ts'
import { absoluteUrl, type SignInTransaction, type WebContext } from './context.ts'
import { redirect } from './http.ts'
import { safeReturnTo } from './return-to.ts'

/** What a challenge asks the provider for. */
export interface ChallengeOptions {
  /** Scopes to request (besides the OpenID ones); for incremental consent, the missing ones. */
  scopes?: readonly string[] | undefined
  /** A claims challenge (JSON) from conditional access or CAE. */
  claims?: string | undefined
  /** Same-origin path to come back to after sign-in. */
  returnTo?: string | undefined
  /** The OpenID `prompt` parameter, e.g. `select_account` or `consent`. */
  prompt?: string | undefined
  /** Pre-fills the sign-in name (`login_hint`). */
  loginHint?: string | undefined
  /** Skips home-realm discovery (`domain_hint`), e.g. `contoso.com`. */
  domainHint?: string | undefined
}

/**
 * Sends the browser to the provider: seals a transaction (state, nonce, PKCE verifier, returnTo)
 * into a short-lived cookie and redirects to the authorization endpoint.
 */
export async function challenge(
  ctx: WebContext,
  request: Request,
  options: ChallengeOptions = {},
): Promise<Response> {
  const protocol = await ctx.protocol()
  const secrets = newTransactionSecrets()
  // A re-challenge asks for exactly the missing scopes: Entra takes one resource per request, so
  // mixing them with the initial scopes (often another resource) would fail with AADSTS28000.
  const scopes = [...new Set(options.scopes ?? ctx.config.initialScopes)]
  const tx: SignInTransaction = {
    ...secrets,
    returnTo: safeReturnTo(options.returnTo),
    scopes,
    createdAt: Math.floor(ctx.clock() / 1000),
    ...(options.claims ? { claims: options.claims } : {}),
  }
  const url = await authorizationUrl(protocol, {
    ...secrets,
    redirectUri: absoluteUrl(request, ctx.config.callbackPath),
    scopes,
    responseMode: ctx.config.responseMode,
    claims: options.claims,
    prompt: options.prompt,
    loginHint: options.loginHint,
    domainHint: options.domainHint,
  })
  const cookies = await ctx.sessions.sealTransaction(tx, request)
  return redirect(url.href, cookies, 302)
}

/** `GET /signin?returnTo=/path`: starts a sign-in with the configured initial scopes. */
export function signIn(ctx: WebContext, request: Request): Promise<Response> {
  const returnTo = new URL(request.url).searchParams.get('returnTo') ?? undefined
  return challenge(ctx, request, { returnTo })
}
