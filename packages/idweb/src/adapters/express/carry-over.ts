import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { importMsalCache } from '../../cache/msal-import.ts'
import { ConfigError, isIdwebError } from '../../errors.ts'
import type { Idweb } from '../../web/idweb.ts'
import { safeReturnTo } from '../../web/return-to.ts'
import { stateOf } from './state.ts'

/**
 * Options of {@link carryOverMsalSessions}.
 *
 * @example
 * ```ts
 * const options: CarryOverOptions = {
 *   homeAccountIdOf: (req) => oldSessions.get(req)?.homeAccountId,
 *   readMsalCache: (home) => redis.get(home).then((json) => json ?? undefined),
 *   done: (req) => oldSessions.end(req),
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
   * wrote), or `undefined` when it is gone. Only that account's tokens are imported from it.
   */
  readMsalCache(homeAccountId: string): Promise<string | undefined>
  /**
   * Called once the old session has been dealt with, the user carried over (`carried`) or not
   * (their tokens are gone or refused: they sign in as anyone does). End the old session here,
   * and drop its plain-text partition: else a user who signs out of idweb would be carried over
   * again by the next request.
   */
  done(req: Request, res: Response, homeAccountId: string, carried: boolean): void | Promise<void>
}

/**
 * Moves the users of an msal-node web app to idweb with nobody signed out. For a `GET` or `HEAD`
 * with no idweb user but an old session naming an account, it imports that account's MSAL cache
 * (`importMsalCache`), signs the account in with its refresh token (`idweb.signInFromCache`: one
 * token request, the ID token validated as at any sign-in) and sends the browser back to the same
 * page with the new session cookie. No prompt; the user's consents carry over. Mount it after
 * `idwebMiddleware` (it reads `req.identity`) while old sessions may still come in, then remove
 * it. A failure is logged and the request goes on without a user, so the user can still sign in.
 *
 * @example
 * ```ts
 * app.use(idwebMiddleware(idweb))
 * app.use(carryOverMsalSessions(idweb, { homeAccountIdOf, readMsalCache, done }))
 * ```
 */
export function carryOverMsalSessions(idweb: Idweb, options: CarryOverOptions): RequestHandler {
  const run = async (req: Request, res: Response): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return true
    const state = stateOf(req)
    if (state === undefined) {
      throw new ConfigError('carryOverMsalSessions', 'must be mounted after idwebMiddleware.')
    }
    if (req.identity.user) return true
    let home: string | undefined
    try {
      home = await options.homeAccountIdOf(req)
      if (!home) return true
      const json = await options.readMsalCache(home)
      if (json !== undefined) await importMsalCache(idweb.cache, json, { account: home })
      const cookies = await idweb.signInFromCache(state.webRequest(), home)
      await options.done(req, res, home, cookies !== undefined)
      if (!cookies) return true
      for (const cookie of cookies) res.append('Set-Cookie', cookie)
      res.setHeader('Cache-Control', 'no-store')
      res.redirect(303, safeReturnTo(req.originalUrl))
      return false
    } catch (err) {
      if (err instanceof ConfigError) throw err
      idweb.logger.warn('carrying a user over from msal-node failed', {
        code: isIdwebError(err) ? err.code : 'unexpected',
      })
      return true
    }
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
