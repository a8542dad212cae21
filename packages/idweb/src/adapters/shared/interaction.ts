import { type IdwebError, InteractionRequiredError, isIdwebError } from '../../errors.ts'
import { wantsJson } from '../../web/http.ts'
import type { Idweb } from '../../web/idweb.ts'
import { pageOf, safeReturnTo } from '../../web/return-to.ts'
import { markChallenge } from './rechallenge.ts'

/** Whether `err` asks for the user to sign in or consent: what a re-challenge answers. */
export function needsInteraction(err: unknown): err is IdwebError {
  return isIdwebError(err, 'IDW_INTERACTION_REQUIRED') || isIdwebError(err, 'IDW_NOT_SIGNED_IN')
}

/**
 * The answer to an interaction-required error: for people, a new authorization request for the
 * missing scopes (plus `scopes`) and the claims challenge, coming back to this page; for programs,
 * 401 JSON saying what to ask for, with a `WWW-Authenticate` challenge.
 */
export async function interactionResponse(
  idweb: Idweb,
  request: Request,
  err: IdwebError,
  scopes: readonly string[] = [],
): Promise<Response> {
  const missing = err instanceof InteractionRequiredError ? err.scopes : []
  const wanted = [...new Set([...missing, ...scopes])]
  const claims = err instanceof InteractionRequiredError ? err.claims : undefined
  if (!wantsJson(request)) {
    const challenge = await idweb.challenge(request, {
      scopes: wanted,
      claims,
      prompt: err instanceof InteractionRequiredError ? err.prompt : undefined,
      returnTo: pageOf(request),
    })
    return markChallenge(request, err, challenge, new URL(request.url).protocol === 'https:')
  }
  const reason = err instanceof InteractionRequiredError ? err.reason : 'login_required'
  const signInUrl = `${idweb.config.signInPath}?returnTo=${encodeURIComponent(
    refererPath(request) ?? '/',
  )}`
  const headers = new Headers({
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'www-authenticate': challengeHeader(claims ? 'insufficient_claims' : 'interaction_required', {
      description: err.message,
      scopes: wanted,
      claims,
    }),
  })
  const body = {
    error: err.code,
    message: err.message,
    reason,
    scopes: wanted,
    ...(claims ? { claims } : {}),
    signInUrl,
  }
  return new Response(JSON.stringify(body), { status: 401, headers })
}

/**
 * `Bearer error="interaction_required", error_description="...", scope="a b"`, and for a claims
 * challenge `error="insufficient_claims", claims="<base64>"` as Entra sends it (JSON cannot sit in
 * an RFC 6750 quoted string, base64 can).
 */
function challengeHeader(
  error: string,
  parts: { description: string; scopes: readonly string[]; claims: string | undefined },
): string {
  const params = [`error="${error}"`, `error_description="${quotedSafe(parts.description)}"`]
  const scope = parts.scopes.filter((s) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)).join(' ')
  if (scope) params.push(`scope="${scope}"`)
  if (parts.claims) params.push(`claims="${base64Of(parts.claims)}"`)
  return `Bearer ${params.join(', ')}`
}

function quotedSafe(value: string): string {
  const safe = value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, ' ').replace(/ {2,}/g, ' ')
  return safe.length > 200 ? `${safe.slice(0, 197)}...` : safe
}

/** The same-origin page that made an XHR call, to come back to after signing in. */
function refererPath(request: Request): string | undefined {
  const referer = request.headers.get('referer')
  if (!referer) return undefined
  try {
    const url = new URL(referer)
    if (url.origin !== new URL(request.url).origin) return undefined
    return safeReturnTo(`${url.pathname}${url.search}`)
  } catch {
    return undefined
  }
}

/** Standard base64 of the UTF-8 bytes of `text`, with Web APIs only (this module runs everywhere). */
function base64Of(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}
