import type { RequestHandler } from 'express'

/**
 * CSRF defence for a session-cookie app whose forms post to itself.
 *
 * The session cookie is `SameSite=Lax`, so browsers already leave it off cross-site POSTs. On top
 * of that, every unsafe request (anything but GET, HEAD, OPTIONS) must come from this origin:
 * `Sec-Fetch-Site: same-origin` when the browser sends Fetch Metadata (all current ones do), else
 * an `Origin` header equal to the app's origin. A request with neither is refused too: every
 * browser sends `Origin` on a POST, so only scripts omit both, and they can send it.
 * No token to embed in forms, no server state. Paths in `except` (the sign-in callback, which the
 * identity provider posts to from its own origin and which `state` protects) are not checked.
 */
export function sameOriginWrites(except: readonly string[] = []): RequestHandler {
  const skipped = new Set(except)
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      next()
      return
    }
    if (skipped.has(req.path)) {
      next()
      return
    }
    const site = req.get('sec-fetch-site')
    const origin = req.get('origin')
    const ours = `${req.protocol}://${req.host}`
    const allowed = site !== undefined ? site === 'same-origin' : origin === ours
    if (allowed) {
      next()
      return
    }
    res
      .status(403)
      .type('text/plain')
      .send('Cross-site form submissions are refused. Go back, reload the page and try again.')
  }
}
