import type { UserAccount } from '../acquisition/acquirer.ts'
import { redactId } from '../logger.ts'
import { endSessionUrl } from '../protocol/grants.ts'
import { absoluteUrl, type SignedInUser, type WebContext } from './context.ts'
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

/**
 * Ends every session of `account` on every instance sharing the store (sessions begun later are
 * untouched) and removes its tokens: "sign out everywhere". It does not end the provider's own
 * session; send the user through `/signout` for that.
 */
export async function signOutEverywhere(
  ctx: WebContext,
  account: UserAccount | SignedInUser,
): Promise<void> {
  const a = 'account' in account ? account.account : account
  await ctx.logouts.end({ iss: a.iss, sub: a.sub })
  await ctx.acquirer.removeAccount(a.homeAccountId)
  // With the session token cache, the calling session's own partition too.
  if (a.partitionKey !== undefined && a.partitionKey !== a.homeAccountId) {
    await ctx.acquirer.removeAccount(a.partitionKey)
  }
  ctx.logger.info('user signed out everywhere', { account: redactId(a.homeAccountId) })
}

/** `/signout-callback-oidc`: the provider is done; back to the home page. */
export function signedOut(_ctx: WebContext, _request: Request): Response {
  return redirect('/', [], 302)
}
