import { redactId } from '../logger.ts'
import type { WebContext } from './context.ts'
import { escapeHtml } from './http.ts'
import { issuerMatches } from './logout-token.ts'

/**
 * `/signout-oidc` (Identity.Web's `RemoteSignOutPath`; OpenID Connect Front-Channel Logout 1.0):
 * the provider's sign-out page loads it in an iframe with `iss` and `sid`. When `iss` is the
 * provider's and the browser's session began in that provider session (`sid`), the session ends
 * (and every other of that provider session, on every instance), its tokens are removed and its
 * cookie cleared. Any other request signs nobody out. The page may be framed by the provider
 * alone (`frame-ancestors`).
 *
 * The session cookie is `SameSite=Lax`: a browser sends it in a cross-site iframe only when the
 * provider and the app are the same site. Back-channel logout does not depend on cookies.
 */
export async function frontChannelLogout(ctx: WebContext, request: Request): Promise<Response> {
  const protocol = await ctx.protocol()
  const url = new URL(request.url)
  const iss = single(url.searchParams, 'iss')
  const sid = single(url.searchParams, 'sid')
  const framedBy = new URL(protocol.as.issuer).origin
  if (iss === undefined || sid === undefined || !issuerMatches(protocol, iss)) {
    ctx.logger.warn('front-channel logout refused', {
      reason: iss === undefined || sid === undefined ? 'iss or sid missing' : 'another issuer',
    })
    return page(400, 'This sign-out request is not valid.', framedBy, [])
  }
  // Only the provider's iframe: a link or a redirect from another site (which may know the sid,
  // Entra's being the same for every app) must not sign the user out.
  const dest = request.headers.get('sec-fetch-dest')
  if (dest !== null && dest !== 'iframe') {
    ctx.logger.warn('front-channel logout refused', { reason: `not framed (${dest.slice(0, 20)})` })
    return page(400, 'This sign-out request is not valid.', framedBy, [])
  }
  const session = await ctx.sessions.read(request)
  const claims = session?.user.claims
  if (session === undefined || claims?.sid !== sid || claims?.iss !== iss) {
    return page(200, 'You are signed out.', framedBy, [])
  }
  await ctx.logouts.end({ iss, sid })
  await ctx.acquirer.removeAccount(ctx.tokenPartition(session.sid) ?? session.user.homeAccountId)
  const cookies = await ctx.sessions.destroy(request).catch(() => ctx.sessions.clear(request))
  ctx.logger.info('user signed out by the provider (front-channel)', {
    account: redactId(session.user.homeAccountId),
  })
  return page(200, 'You are signed out.', framedBy, cookies)
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name)
  const value = values.length === 1 ? values[0] : undefined
  return value !== undefined && value !== '' && value.length <= 2048 ? value : undefined
}

function page(
  status: number,
  message: string,
  framedBy: string,
  setCookies: readonly string[],
): Response {
  const headers = new Headers({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; frame-ancestors ${framedBy}`,
    'x-content-type-options': 'nosniff',
  })
  for (const cookie of setCookies) headers.append('set-cookie', cookie)
  const body = `<!doctype html><meta charset="utf-8"><title>Signed out</title><p>${escapeHtml(message)}</p>`
  return new Response(body, { status, headers })
}
