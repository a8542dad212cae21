import { IdwebError } from '../errors.ts'
import type { Touched } from '../session/manager.ts'
import type { SessionData, SessionRequest } from '../session/types.ts'
import { accountOf, type SignedInUser, type WebContext } from './context.ts'

/** What `authenticate` found, and the cookies to send back (a rolled session). */
export interface Authentication {
  /** The signed-in user, `undefined` when the request is anonymous. */
  user: SignedInUser | undefined
  /** `Set-Cookie` values to add to the response (session roll, or clearing a bad cookie). */
  setCookies: string[]
}

/**
 * The signed-in user of a request, from the session cookie. Tampered, expired or foreign cookies
 * are anonymous, never an error. The session's rolling lifetime is extended as it is used.
 */
export async function authenticate(
  ctx: WebContext,
  request: SessionRequest,
): Promise<Authentication> {
  return authenticateNow(ctx, request)
}

/**
 * {@link authenticate}, answered at once when the session layer can (see
 * `SessionManager.touchNow`), else a promise: adapters call it on every request.
 */
export function authenticateNow(
  ctx: WebContext,
  request: SessionRequest,
): Authentication | Promise<Authentication> {
  const now = ctx.sessions.touchNow(request)
  if (now !== undefined) return authenticationOf(ctx, request, now)
  return ctx.sessions.touch(request).then((touched) => authenticationOf(ctx, request, touched))
}

/**
 * The user of each session object `touch` handed out: the session layer shares one frozen object
 * per cookie, so the user built from it is shared too, and not rebuilt on every request.
 */
const users = new WeakMap<SessionData, SignedInUser | null>()

function authenticationOf(
  ctx: WebContext,
  request: SessionRequest,
  { session, setCookies }: Touched,
): Authentication {
  if (!session) return { user: undefined, setCookies }
  let user = users.get(session)
  if (user === undefined) {
    const account = accountOf(session, ctx.tokenPartition(session.sid))
    user = account
      ? Object.freeze({ claims: session.user.claims, account: Object.freeze(account), session })
      : null
    users.set(session, user)
  }
  if (!user) return { user: undefined, setCookies: ctx.sessions.clear(request) }
  return { user, setCookies }
}

/** The error a request without a signed-in user raises: adapters redirect people, 401 programs. */
export function notSignedIn(): IdwebError {
  return new IdwebError('IDW_NOT_SIGNED_IN', 'Sign in to continue.')
}
