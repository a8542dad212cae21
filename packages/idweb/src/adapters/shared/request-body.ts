import type { IncomingMessage } from 'node:http'

/** Most bytes of an unread request body discarded to keep a keep-alive connection usable. */
export const DRAIN_MAX_BYTES = 1024 * 1024
/** Longest wait for an unread request body to finish arriving before the connection is closed. */
export const DRAIN_MAX_MS = 2000

/** How to stop each request's {@link bodyStream} from taking more of the body. */
const detachers = new WeakMap<IncomingMessage, () => void>()

/**
 * The body of a Node request as a Web stream, read only as the consumer pulls. Unlike
 * `Readable.toWeb`, cancelling it does not destroy the request (and with it the socket, which
 * would reset the connection before the answer is sent): it only stops delivery, and
 * {@link settleUnreadBody} then drains the rest or closes the connection cleanly.
 */
export function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let detach = () => {}
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const onData = (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
          if ((controller.desiredSize ?? 0) <= 0) req.pause()
        }
        const onEnd = () => {
          detach()
          controller.close()
        }
        const onClose = () => {
          detach()
          controller.error(new Error('the client closed the connection before the body ended'))
        }
        detach = () => {
          req.off('data', onData)
          req.off('end', onEnd)
          req.off('error', onClose)
          req.off('close', onClose)
          detachers.delete(req)
        }
        detachers.set(req, detach)
        req.on('data', onData)
        req.once('end', onEnd)
        req.once('error', onClose)
        req.once('close', onClose)
        req.pause()
      },
      pull() {
        req.resume()
      },
      cancel() {
        detach()
        req.pause()
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  )
}

/**
 * Reads and discards what is left of a request body the answer did not need (a 413, a 405, a
 * sign-out with a body), so the next request on the keep-alive connection parses from the right
 * byte. Resolves `'drained'` once the body has ended, or `'close'` when more than
 * {@link DRAIN_MAX_BYTES} arrive or it takes longer than {@link DRAIN_MAX_MS}: the answer must then
 * carry `Connection: close`. The request keeps flowing (discarded) until the socket closes, so the
 * client still reads the answer.
 */
export function settleUnreadBody(req: IncomingMessage): Promise<'drained' | 'close'> {
  detachers.get(req)?.()
  if (req.complete || req.readableEnded) return Promise.resolve('drained')
  return new Promise((resolve) => {
    let seen = 0
    const finish = (outcome: 'drained' | 'close') => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('close', onEnd)
      resolve(outcome)
    }
    const onData = (chunk: Buffer) => {
      seen += chunk.byteLength
      if (seen > DRAIN_MAX_BYTES) finish('close')
    }
    const onEnd = () => finish(req.complete ? 'drained' : 'close')
    const timer = setTimeout(() => finish('close'), DRAIN_MAX_MS)
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('close', onEnd)
    req.resume()
  })
}
