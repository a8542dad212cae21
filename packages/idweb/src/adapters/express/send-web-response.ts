import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import type { Response as ExpressResponse } from 'express'

/**
 * Writes a Web `Response` to an Express response: status, every header, each `Set-Cookie` on its
 * own line (`headers.getSetCookie()`, appended after any the app or idweb already set), then the
 * body, streamed. `HEAD` requests get the headers only.
 *
 * Resolves when the body is written; rejects only if the body stream fails (the socket is then
 * destroyed, as a half-sent response cannot be repaired).
 *
 * @example
 * ```ts
 * app.get('/health', async (req, res) => {
 *   await sendWebResponse(res, Response.json({ ok: true }))
 * })
 * ```
 */
export async function sendWebResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.status(response.status)
  if (response.statusText && response.statusText !== '') res.statusMessage = response.statusText
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue
    res.setHeader(name, value)
  }
  for (const cookie of response.headers.getSetCookie()) res.append('Set-Cookie', cookie)
  const body = response.body
  if (body === null || res.req.method === 'HEAD' || isBodyless(response.status)) {
    await body?.cancel().catch(() => {})
    res.end()
    return
  }
  await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), res)
}

function isBodyless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200)
}
