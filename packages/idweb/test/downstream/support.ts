import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TokenAcquirer } from '../../src/acquisition/acquirer.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import type { ResolvedDownstreamApi } from '../../src/config/resolved-config.ts'
import type { Logger } from '../../src/logger.ts'
import { fixedClientAuth, type ProtocolContext } from '../../src/protocol/context.ts'
import type { SignedInUser } from '../../src/web/context.ts'
import { CLIENT, ENV, TENANT, userResponse } from '../cache/fixtures.ts'

export { CLIENT, ENV, TENANT }

/** A request as the local server saw it. */
export interface SeenRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port, recording every request. */
export interface LocalServer {
  origin: string
  seen: SeenRequest[]
  close(): Promise<void>
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>

export async function startServer(handler: Handler): Promise<LocalServer> {
  const seen: SeenRequest[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const request: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    }
    seen.push(request)
    try {
      await handler(request, res)
    } catch {
      if (!res.headersSent) res.writeHead(599)
      res.end()
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Answers JSON. */
export function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** The bearer token of a seen request, or `undefined`. */
export function bearerOf(req: SeenRequest): string | undefined {
  const h = req.headers.authorization
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined
}

/** A downstream API entry as `resolveConfig` would produce it. */
export function apiConfig(
  name: string,
  baseUrl: string,
  overrides: Partial<ResolvedDownstreamApi> = {},
): ResolvedDownstreamApi {
  return {
    name,
    baseUrl,
    scopes: ['api://todo/access_as_user'],
    relativePath: '',
    httpMethod: 'GET',
    requestAppToken: false,
    timeoutMs: 30_000,
    ...overrides,
  }
}

/** A provider context that fails the test if used: proves a call was served from the cache. */
export const noProvider = async (): Promise<ProtocolContext> => {
  throw new Error('the identity provider must not be called: the token is in the cache')
}

/** The signed-in user whose tokens `seedUser` caches. */
export function signedInUser(user = 'alice'): SignedInUser {
  const homeAccountId = `${user}.${TENANT}`
  const claims = {
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    sub: `sub-${user}`,
    tid: TENANT,
  }
  return {
    claims,
    account: { homeAccountId, realm: TENANT, iss: claims.iss, sub: claims.sub },
    session: { sid: 's', createdAt: 0, lastSeenAt: 0, user: { homeAccountId, claims } },
  }
}

/** A real acquirer over a real in-memory cache. */
export function acquirerWith(
  protocol: () => Promise<ProtocolContext> = noProvider,
  logger?: Logger,
): { acquirer: TokenAcquirer; cache: TokenCache } {
  const cache = new TokenCache()
  const acquirer = new TokenAcquirer({
    cache,
    protocol,
    clientId: CLIENT,
    environment: ENV,
    authorityType: 'MSSTS',
    defaultTenant: TENANT,
    ...(logger ? { logger } : {}),
  })
  return { acquirer, cache }
}

/** Caches a user access token (and refresh token) for `scopes`. */
export async function seedUser(
  cache: TokenCache,
  accessToken: string,
  scopes: readonly string[] = ['api://todo/access_as_user'],
  user = 'alice',
): Promise<void> {
  const p = await cache.partition(`${user}.${TENANT}`)
  p.saveTokenResponse(userResponse(user, { accessToken, scopes }))
  await cache.flush(p)
}

/** Caches an app-only (client credentials) token for `scopes` in the default tenant. */
export async function seedApp(
  cache: TokenCache,
  accessToken: string,
  scopes: readonly string[] = ['api://todo/.default'],
): Promise<void> {
  const p = await cache.partition(`app:${CLIENT}:${TENANT}`)
  p.saveTokenResponse({ clientId: CLIENT, environment: ENV, realm: TENANT, scopes, accessToken })
  await cache.flush(p)
}

/**
 * A provider context pointed at a local token endpoint. The real dev identity provider cannot
 * revoke a token on demand, so refresh paths use this controllable fake token endpoint instead.
 */
export function localTokenEndpoint(origin: string): ProtocolContext {
  return {
    as: { issuer: origin, token_endpoint: `${origin}/token` },
    client: { client_id: CLIENT },
    authenticator: fixedClientAuth((_as, _client, body) => {
      body.set('client_id', CLIENT)
      body.set('client_secret', 'test-secret')
    }),
    http: { timeoutMs: 5_000, allowInsecureRequests: true },
    requestClientInfo: false,
    entraScopes: false,
    jwksCache: {},
    clockToleranceSeconds: 0,
  }
}
