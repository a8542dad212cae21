// Shared pieces of the Express adapter tests: a real HTTP listener on 127.0.0.1 (ephemeral port),
// idweb instances for tests that never reach a provider, and signed-in session cookies made by
// idweb's own session layer.
import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'
import {
  createIdweb,
  type Idweb,
  type IdwebDependencies,
  type IdwebOptions,
} from '../../../src/index.ts'

export const SECRET = 'express-adapter-tests-session-secret-0123456789'
export const TENANT = '10000000-0000-4000-a000-000000000001'
export const CLIENT_ID = 'a0000000-0000-4000-c000-000000000001'

export interface Listening {
  /** `http://127.0.0.1:<port>` (or `http://localhost:<port>` when asked). */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/** Starts `app` on 127.0.0.1, port 0. */
export async function listen(app: Express, hostName = '127.0.0.1'): Promise<Listening> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${hostName}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * A `fetch` that fails every call: for an idweb under test that must not talk to any provider
 * (the test then fails loudly if it does).
 */
export const noProviderFetch: typeof fetch = async (input) => {
  throw new Error(
    `unexpected provider call to ${String(input instanceof Request ? input.url : input)}`,
  )
}

/**
 * An idweb configured against an authority that is never contacted (every provider call fails),
 * for tests of what the adapter does without a provider: requireUser, errorHandler, sessions.
 */
export function offlineIdweb(deps: IdwebDependencies = {}, options: IdwebOptions = {}): Idweb {
  return createIdweb(
    {
      instance: 'https://login.invalid/',
      tenantId: TENANT,
      clientId: CLIENT_ID,
      clientSecret: 'offline-secret',
      session: { secrets: [SECRET] },
      ...options,
    },
    { fetch: noProviderFetch, env: {}, ...deps },
  )
}

/** The `name=value` part of each `Set-Cookie` value. */
export function cookiePairs(setCookies: readonly string[]): string {
  return setCookies
    .map((c) => c.split(';', 1)[0] ?? '')
    .filter((pair) => !pair.endsWith('='))
    .join('; ')
}

/**
 * A session cookie for a signed-in user, sealed by `idweb`'s session layer (as the callback would
 * after a sign-in). Its token cache partition is empty: exactly the state after a restart.
 */
export async function sessionCookieFor(idweb: Idweb, origin: string): Promise<string> {
  const session = idweb.sessions.create({
    homeAccountId: `00000000-0000-4000-b000-00000000a11c.${TENANT}`,
    claims: {
      iss: `https://login.invalid/${TENANT}/v2.0`,
      sub: 'subject-alice',
      oid: '00000000-0000-4000-b000-00000000a11c',
      tid: TENANT,
      name: 'Alice Smith',
      preferred_username: 'alice@contoso.example',
    },
  })
  return cookiePairs(await idweb.sessions.commit(new Request(`${origin}/`), session))
}

/** Attributes of the `Set-Cookie` value whose name starts with `prefix`, lower-cased. */
export function attributesOf(setCookie: string): Map<string, string> {
  const [, ...attrs] = setCookie.split(';')
  return new Map(
    attrs.map((a) => {
      const [k, ...v] = a.trim().split('=')
      return [(k ?? '').toLowerCase(), v.join('=')]
    }),
  )
}

/** A request with raw (possibly repeated) headers, which `fetch` cannot send. */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: string[],
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const withHost = headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host')
      ? headers
      : ['Host', `127.0.0.1:${port}`, ...headers]
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: withHost }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}
