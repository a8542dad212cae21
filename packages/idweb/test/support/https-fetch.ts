import { request } from 'node:https'
import { Readable } from 'node:stream'

/**
 * A `fetch` that trusts `ca` (the dev IdP's local CA) for https, through `node:https`: Node's
 * global fetch takes no CA without the undici package, and NODE_EXTRA_CA_CERTS is read only at
 * process start, before a test has made its CA. Redirects are never followed (`manual`).
 */
export function httpsFetch(ca: string): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const req = input instanceof Request ? input : new Request(input, init)
    const url = new URL(req.url)
    if (url.protocol !== 'https:') return fetch(req)
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined
    const headers: Record<string, string> = {}
    req.headers.forEach((value, name) => {
      headers[name] = value
    })
    if (body) headers['content-length'] = String(body.length)
    return new Promise<Response>((resolve, reject) => {
      const r = request(
        url,
        { method: req.method, headers, ca, signal: init.signal ?? req.signal },
        (res) => {
          const out = new Headers()
          for (const [name, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) for (const v of value) out.append(name, v)
            else if (value !== undefined) out.set(name, value)
          }
          const status = res.statusCode ?? 500
          const noBody = status === 204 || status === 304 || req.method === 'HEAD'
          resolve(
            new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream), {
              status,
              headers: out,
            }),
          )
        },
      )
      r.on('error', reject)
      r.end(body)
    })
  }) as typeof fetch
}
