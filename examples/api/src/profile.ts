import type { RequestHandler } from 'express'
import { type Daemon, isIdwebError } from 'idweb'
import { toErrorResponse } from 'idweb/api'
import { sendWebResponse } from 'idweb/express'

/** What `GET /me` answers: the caller as Microsoft Graph knows them, fetched on their behalf. */
export interface Profile {
  displayName: string | null
  userPrincipalName: string | null
  mail: string | null
  /** How the API got it: always `on-behalf-of` (the caller's token exchanged for a Graph token). */
  via: 'on-behalf-of'
}

/**
 * `GET /me`: calls Graph `/me` on behalf of the caller (the on-behalf-of exchange of the token
 * the API received, cached per incoming token). When the user must consent for the API's own Graph
 * permission, or satisfy a claims challenge, the answer is 403 with a `WWW-Authenticate` the web
 * app acts on (it signs the user in again, with `prompt=consent` or the claims).
 */
export function profileRoute(identity: Daemon, realm: string): RequestHandler {
  return (req, res, next) => {
    const token = req.auth?.token
    if (!token || req.auth?.isAppOnly !== false) {
      res.status(403).json({ error: 'forbidden', message: 'GET /me needs a user’s token.' })
      return
    }
    identity
      .callApiOnBehalfOf<Record<string, unknown>>('Graph', token, { relativePath: 'me' })
      .then(
        (me) => {
          const text = (value: unknown) => (typeof value === 'string' ? value : null)
          const profile: Profile = {
            displayName: text(me?.displayName),
            userPrincipalName: text(me?.userPrincipalName),
            mail: text(me?.mail),
            via: 'on-behalf-of',
          }
          res.json(profile)
        },
        async (err: unknown) => {
          if (!isIdwebError(err)) return next(err)
          await sendWebResponse(res, toErrorResponse(err, { realm }))
        },
      )
      .catch(next)
  }
}
