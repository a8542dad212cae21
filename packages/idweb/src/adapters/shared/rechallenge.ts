import { createHash } from 'node:crypto'
import { DownstreamApiError } from '../../downstream/errors.ts'
import { type IdwebError, InteractionRequiredError } from '../../errors.ts'
import { pageOf } from '../../web/return-to.ts'

/** Marks the re-challenge a downstream API asked for, to notice the same one asked again. */
const COOKIE = 'idweb.rechallenge'
/** How long the mark lasts: longer than a consent round trip, short enough to be forgotten. */
const SECONDS = 120

/** A re-challenge a downstream API's answer asked for (a 401/403 challenge), not the provider. */
function fromDownstream(err: unknown): err is InteractionRequiredError {
  return err instanceof InteractionRequiredError && err.cause instanceof DownstreamApiError
}

function keyOf(err: InteractionRequiredError, request: Request): string {
  const parts = [err.reason, err.scopes.join(' '), err.claims ?? '', err.prompt ?? '']
  parts.push(pageOf(request))
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 22)
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * A downstream API asking for the very re-challenge the user just went through (same reason,
 * scopes, claims, prompt and page, within two minutes) would send them round for ever: an API
 * that needs a consent nobody can give, or one that always answers 403. Then the API's own
 * error is what to answer with; `undefined` otherwise.
 */
export function repeatedChallenge(request: Request, err: IdwebError): IdwebError | undefined {
  if (!fromDownstream(err)) return undefined
  const seen = cookieValue(request.headers.get('cookie') ?? undefined, COOKIE)
  return seen === keyOf(err, request) ? (err.cause as DownstreamApiError) : undefined
}

/** `response`, with the mark of this downstream re-challenge set, when it is one. */
export function markChallenge(
  request: Request,
  err: IdwebError,
  response: Response,
  secure: boolean,
): Response {
  if (!fromDownstream(err)) return response
  const headers = new Headers(response.headers)
  headers.append(
    'set-cookie',
    `${COOKIE}=${keyOf(err, request)}; Max-Age=${SECONDS}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
  )
  return new Response(response.body, { status: response.status, headers })
}
