import { redactId } from '../logger.ts'
import { endSessionUrl } from '../protocol/grants.ts'
import { absoluteUrl, type WebContext } from './context.ts'
import { redirect } from './http.ts'

/**
 * `/signout`: removes the account's whole token cache partition, destroys the session, then sends
 * the browser to the provider's end-session endpoint, which comes back to the signed-out callback.
 * Signing out with no session still ends the provider session.
 */
export async function signOut(ctx: WebContext, request: Request): Promise<Response> {
  const session = await ctx.sessions.read(request)
  if (session) {
    await ctx.acquirer.removeAccount(ctx.tokenPartition(session.sid) ?? session.user.homeAccountId)
    ctx.logger.info('user signed out', { account: redactId(session.user.homeAccountId) })
  }
  const cookies = await ctx.sessions.destroy(request).catch(() => ctx.sessions.clear(request))
  const back =
    ctx.config.postLogoutRedirectUri ?? absoluteUrl(request, ctx.config.signedOutCallbackPath)
  let target: URL | undefined
  try {
    target = endSessionUrl(await ctx.protocol(), {
      postLogoutRedirectUri: back,
      ...(typeof session?.user.claims.login_hint === 'string'
        ? { logoutHint: session.user.claims.login_hint }
        : {}),
    })
  } catch (err) {
    ctx.logger.warn('end-session skipped: the provider is unreachable', {
      reason: err instanceof Error ? err.message : String(err),
    })
  }
  return redirect(target?.href ?? '/', cookies, 302)
}

/** `/signout-callback-oidc`: the provider is done; back to the home page. */
export function signedOut(_ctx: WebContext, _request: Request): Response {
  return redirect('/', [], 302)
}
