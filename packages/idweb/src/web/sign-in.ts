import { IdwebError } from '../errors.ts'
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

/** At most this many scopes, each at most this long, come through `/signin?scope=`. */
const MAX_SCOPES = 32
const MAX_SCOPE_LENGTH = 256
/** The longest claims challenge, login hint and domain hint `/signin` takes. */
const MAX_CLAIMS_LENGTH = 4096
const MAX_HINT_LENGTH = 256
/** RFC 6749's scope-token characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/
/** The prompts a link may ask for; `none` would only come back with an error. */
const PROMPTS = new Set(['login', 'consent', 'select_account'])

/**
 * `GET /signin?returnTo=/path`: starts a sign-in with the configured initial scopes. Like
 * Identity.Web's `Account/Challenge`, it also takes what a re-challenge needs, for frameworks
 * whose pages cannot set a cookie themselves (Next.js Server Components): `scope` (space
 * separated), `claims` (a JSON object), `prompt`, `loginHint` and `domainHint`. A malformed one
 * is a 400 `IDW_BAD_REQUEST`, never a sign-in that silently asks for something else.
 */
export function signIn(ctx: WebContext, request: Request): Promise<Response> {
  const params = new URL(request.url).searchParams
  const options = challengeParameters(params)
  if (options instanceof IdwebError) return Promise.reject(options)
  return challenge(ctx, request, options)
}

function challengeParameters(params: URLSearchParams): ChallengeOptions | IdwebError {
  const options: ChallengeOptions = { returnTo: params.get('returnTo') ?? undefined }
  const scope = params.get('scope')
  if (scope !== null) {
    const scopes = scope.split(' ').filter((s) => s !== '')
    if (
      scopes.length === 0 ||
      scopes.length > MAX_SCOPES ||
      scopes.some((s) => s.length > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.test(s))
    ) {
      return bad('scope must be up to 32 space-separated OAuth scope tokens')
    }
    options.scopes = scopes
  }
  const claims = params.get('claims')
  if (claims !== null) {
    if (claims.length > MAX_CLAIMS_LENGTH || !isJsonObject(claims)) {
      return bad('claims must be a JSON object of at most 4096 characters')
    }
    options.claims = claims
  }
  const prompt = params.get('prompt')
  if (prompt !== null) {
    if (!PROMPTS.has(prompt)) return bad('prompt must be login, consent or select_account')
    options.prompt = prompt
  }
  for (const name of ['loginHint', 'domainHint'] as const) {
    const hint = params.get(name)
    if (hint === null) continue
    if (hint.length === 0 || hint.length > MAX_HINT_LENGTH || CONTROL.test(hint)) {
      return bad(`${name} must be 1 to 256 characters, without control characters`)
    }
    options[name] = hint
  }
  return options
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

function bad(message: string): IdwebError {
  return new IdwebError('IDW_BAD_REQUEST', `Sign-in: ${message}.`)
}
