import { IdwebError } from '../../errors.ts'
import { errorResponse, wantsJson } from '../../web/http.ts'
import { pageOf } from '../../web/return-to.ts'

/**
 * What a request without a user gets where a user is required: people are redirected (302) to
 * the sign-in route, coming back to the page they asked for; programs get 401 JSON
 * `{ "error": "IDW_NOT_SIGNED_IN" }`. Free of Node built-ins, for the edge runtime too.
 */
export function notSignedInAnswer(signInPath: string, request: Request): Response {
  if (wantsJson(request)) {
    return errorResponse(new IdwebError('IDW_NOT_SIGNED_IN', 'Sign in to continue.'), request)
  }
  const returnTo = encodeURIComponent(pageOf(request))
  return new Response(null, {
    status: 302,
    headers: { location: `${signInPath}?returnTo=${returnTo}`, 'cache-control': 'no-store' },
  })
}
