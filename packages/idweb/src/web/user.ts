import { IdwebError } from '../errors.ts'
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
export async function authenticate(ctx: WebContext, request: Request): Promise<Authentication> {
  const session = await ctx.sessions.read(request)
  if (!session) return { user: undefined, setCookies: [] }
  const account = accountOf(session, ctx.tokenPartition(session.sid))
  if (!account) return { user: undefined, setCookies: ctx.sessions.clear(request) }
  const setCookies = await ctx.sessions.commit(request, session)
  return { user: { claims: session.user.claims, account, session }, setCookies }
}

/** The error a request without a signed-in user raises: adapters redirect people, 401 programs. */
export function notSignedIn(): IdwebError {
  return new IdwebError('IDW_NOT_SIGNED_IN', 'Sign in to continue.')
}
