import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { IdwebError } from '../errors.ts'

/** A redirect listener on the loopback interface (RFC 8252 §7.3), for one sign-in. */
export interface LoopbackRedirect {
  /** `http://localhost:<port>`, the redirect URI to send (Entra matches `http://localhost` on any port). */
  readonly redirectUri: string
  /**
   * The authorization response: the first request to `/` whose `state` is `state`, with a code or
   * an error. Other requests (a favicon, a forged state) are answered 400 and waited past.
   */
  response(state: string): Promise<URLSearchParams>
  /** Stops listening (idempotent). */
  close(): Promise<void>
}

/** Options of {@link listenOnLoopback}. */
export interface LoopbackOptions {
  /** A fixed port; default a free one. */
  port?: number | undefined
  /** Gives up after this long (`IDW_TIMEOUT`). Default 5 minutes. */
  timeoutMs?: number | undefined
  /** Gives up when aborted (`IDW_TIMEOUT`). */
  signal?: AbortSignal | undefined
}

const DONE_PAGE = page(
  'Signed in',
  'You have signed in. You can close this window and go back to the command line.',
)

/**
 * Listens on the loopback interface (127.0.0.1, and ::1 where there is IPv6) for the provider's
 * redirect. The page the browser lands on says whether
 * the sign-in went through; it never shows the code.
 */
export async function listenOnLoopback(options: LoopbackOptions = {}): Promise<LoopbackRedirect> {
  let deliver: ((params: URLSearchParams) => void) | undefined
  let expected: string | undefined
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    answer(req, res, expected, (params) => deliver?.(params))
  }
  const { port, servers } = await listenBoth(handler, options.port)
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= Promise.all(servers.map(stop)).then(() => {})
    return closed
  }
  return {
    redirectUri: `http://localhost:${port}`,
    close,
    response(state) {
      expected = state
      const timeoutMs = options.timeoutMs ?? 5 * 60_000
      return new Promise<URLSearchParams>((resolve, reject) => {
        const fail = () => {
          cleanup()
          reject(
            new IdwebError(
              'IDW_TIMEOUT',
              'The browser sign-in was not completed in time. Run the command again.',
            ),
          )
        }
        const timer = setTimeout(fail, timeoutMs)
        options.signal?.addEventListener('abort', fail, { once: true })
        const cleanup = () => {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', fail)
          deliver = undefined
        }
        deliver = (params) => {
          cleanup()
          resolve(params)
        }
        if (options.signal?.aborted) fail()
      })
    },
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/**
 * `localhost` may resolve to ::1 before 127.0.0.1: the port is held on both, so no other local
 * process can take the IPv6 side and receive the browser's redirect. Where IPv6 is absent, the
 * IPv4 side alone. A port whose IPv6 side is taken is given up for another.
 */
async function listenBoth(handler: Handler, fixed: number | undefined) {
  for (let attempt = 0; ; attempt++) {
    const v4 = await listen(handler, fixed ?? 0, '127.0.0.1')
    const port = (v4.address() as AddressInfo).port
    try {
      const v6 = await listen(handler, port, '::1')
      return { port, servers: [v4, v6] }
    } catch (err) {
      const code = (err as { cause?: NodeJS.ErrnoException }).cause?.code
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return { port, servers: [v4] }
      await stop(v4)
      if (fixed !== undefined || attempt >= 4) throw err
    }
  }
}

function listen(handler: Handler, port: number, host: string): Promise<Server> {
  const server = createServer(handler)
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  return new Promise<Server>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new IdwebError(
          'IDW_CONFIG_INVALID',
          `Cannot listen on ${host}:${port} for the sign-in redirect: ${err.message}`,
          { cause: err },
        ),
      ),
    )
    server.listen(port, host, () => resolve(server))
  })
}

function stop(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

function answer(
  req: IncomingMessage,
  res: ServerResponse,
  expected: string | undefined,
  deliver: (params: URLSearchParams) => void,
): void {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const params = url.searchParams
  const matches =
    req.method === 'GET' &&
    url.pathname === '/' &&
    expected !== undefined &&
    params.get('state') === expected &&
    (params.has('code') || params.has('error'))
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.setHeader('cache-control', 'no-store')
  res.setHeader('referrer-policy', 'no-referrer')
  res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  if (!matches) {
    res.statusCode = 400
    res.end(page('Not a sign-in', 'This page only answers the sign-in this command started.'))
    return
  }
  const error = params.get('error')
  res.statusCode = 200
  res.end(
    error
      ? page('Sign-in failed', `The identity provider answered: ${escapeHtml(error)}.`)
      : DONE_PAGE,
  )
  deliver(params)
}

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}h1{font-size:1.5rem}</style>
</head><body><h1>${title}</h1><p>${text}</p></body></html>`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
