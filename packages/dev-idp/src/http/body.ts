import type { IncomingMessage } from 'node:http'

/** The largest request body the provider reads (oidc-provider's own limit). */
export const BODY_LIMIT = 56 * 1024

/** Reads a request body up to {@link BODY_LIMIT}; `undefined` when it is larger. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > BODY_LIMIT) {
      req.resume()
      return undefined
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** A url-encoded form body (`undefined` when too large or not a form). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return undefined
  const body = await readBody(req)
  return body === undefined ? undefined : new URLSearchParams(body.toString('utf8'))
}
