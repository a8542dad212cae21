import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'

/**
 * A request identical to `req` (method, url, headers, socket) whose body is `body`: lets the
 * router read and adjust a token request before the tenant's provider parses it.
 */
export function replayRequest(req: IncomingMessage, body: Buffer, url: string): IncomingMessage {
  const clone = Readable.from([body], { objectMode: false }) as unknown as IncomingMessage
  return Object.assign(clone, {
    headers: { ...req.headers, 'content-length': String(body.length) },
    rawHeaders: req.rawHeaders,
    method: req.method,
    url,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
    complete: true,
    trailers: {},
  })
}
