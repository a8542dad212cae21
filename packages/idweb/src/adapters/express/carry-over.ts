import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { importMsalCache } from '../../cache/msal-import.ts'
import type { Idweb } from '../../web/idweb.ts'
import { toWebRequest } from './to-web-request.ts'

/**
 * Options of {@link carryOverMsalSessions}.
 *
 * @example
 * ```ts
 * const options: CarryOverOptions = {
 *   homeAccountIdOf: (req) => oldSessions.get(req)?.homeAccountId,
 *   readMsalCache: (home) => redis.get(home).then((json) => json ?? undefined),
 * }
 * ```
 */
export interface CarryOverOptions {
  /**
   * The home account id the old app's own session holds for this request (msal-node's
   * `AccountInfo.homeAccountId`), or `undefined`. Whoever this returns an id for is signed in as
   * that account: read it only from a session the old app authenticated (server-side, signed).
   */
  homeAccountIdOf(req: Request): string | undefined | Promise<string | undefined>
  /**
   * The old app's MSAL cache of that account (the partition msal-node's `DistributedCachePlugin`
   * wrote), or `undefined` when it was already imported or is gone.
   */
  readMsalCache(homeAccountId: string): Promise<string | undefined>
  /** Called once a user is carried over, e.g. to end the old session and drop its cache. */
  carried?(req: Request, res: Response, homeAccountId: string): void | Promise<void>
}

/**
 * Moves the users of an msal-node web app to idweb with nobody signed out: for a request with
 * no idweb session but an old session naming an account, it imports that account's MSAL cache
 * (`importMsalCache`), starts an idweb session from its cached ID token
 * (`idweb.signInFromCache`) and sends the browser back to the same URL with the new cookie. No
 * provider round trip, no prompt; the user's refresh token and consents carry over. Mount it
 * before `idwebMiddleware` while old sessions may still come in, then remove it.
 *
 * @example
 * ```ts
 * app.use(carryOverMsalSessions(idweb, { homeAccountIdOf, readMsalCache }))
 * app.use(idwebMiddleware(idweb))
 * ```
 */
export function carryOverMsalSessions(idweb: Idweb, options: CarryOverOptions): RequestHandler {
  const run = async (req: Request, res: Response): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return true
    if (req.headers.cookie && (await idweb.authenticate(toWebRequest(req))).user) return true
    const home = await options.homeAccountIdOf(req)
    if (!home) return true
    const json = await options.readMsalCache(home)
    if (json !== undefined) await importMsalCache(idweb.cache, json)
    const moved = await idweb.signInFromCache(toWebRequest(req), home)
    if (!moved) return true
    for (const cookie of moved.setCookies) res.append('Set-Cookie', cookie)
    await options.carried?.(req, res, home)
    res.redirect(303, req.originalUrl)
    return false
  }
  return (req: Request, res: Response, next: NextFunction): void => {
    run(req, res).then(
      (passOn) => {
        if (passOn) next()
      },
      (err: unknown) => {
        if (!res.destroyed) next(err)
      },
    )
  }
}
