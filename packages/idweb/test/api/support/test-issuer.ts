// A deliberately controllable token issuer for the protected-API tests. It serves a JWKS and a
// discovery document from node:http on 127.0.0.1 (ephemeral port), signs whatever tokens a test
// asks for (including forged and edge-case ones), counts every request per path, and can be told
// to rotate keys, serve oversized key sets, or fail. It is not an identity provider: a real one
// could not misbehave on demand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
export const OTHER_TENANT = 'a1b2c3d4-0000-4000-8000-000000000001'
export const CLIENT_ID = '6e74172b-be56-4843-9ff4-e66a39bb12e3'
export const CALLER_APP = 'b9a1f3c2-1111-4222-8333-444455556666'
export const ISSUER_TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0'
export const issuerOf = (tenant: string): string =>
  `https://login.microsoftonline.com/${tenant}/v2.0`

/** A fixed "now" for tests that inject the clock: 2030-01-01T00:00:00Z. */
export const NOW = Date.UTC(2030, 0, 1) / 1000

export interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export async function makeKey(alg: 'RS256' | 'ES256' | 'PS256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { kid, alg, privateKey, publicJwk }
}

type Route = (req: IncomingMessage, res: ServerResponse) => void

export interface TestIssuer {
  readonly origin: string
  readonly jwksUri: string
  readonly discoveryUrl: string
  /** The key tokens are signed with by default (published in the JWKS). */
  key: SigningKey
  /** Keys published at /jwks. */
  published: SigningKey[]
  /** Requests seen, per path. */
  readonly hits: Map<string, number>
  hitsOf(path: string): number
  /** Replaces what a path answers. */
  route(path: string, handler: Route): void
  /** Signs `claims` over the default Entra v2.0 access-token claims. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>
  close(): Promise<void>
}

export interface SignOptions {
  key?: SigningKey
  header?: Record<string, unknown>
  /** Extensions the signer should accept in `crit` (to forge tokens with critical headers). */
  crit?: Record<string, boolean>
  /** Claims to delete from the defaults. */
  omit?: string[]
}

export function defaultClaims(nowSeconds = Math.floor(Date.now() / 1000)): JWTPayload {
  return {
    iss: issuerOf(TENANT),
    aud: CLIENT_ID,
    tid: TENANT,
    oid: '00000000-0000-0000-0000-00000000a11c',
    sub: 'subject-alice',
    azp: CALLER_APP,
    scp: 'Todo.Read Todo.Write',
    ver: '2.0',
    iat: nowSeconds - 60,
    nbf: nowSeconds - 60,
    exp: nowSeconds + 3600,
  }
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const key = await makeKey('RS256', 'key-1')
  const hits = new Map<string, number>()
  const routes = new Map<string, Route>()
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const route = routes.get(path)
    if (route) return route(req, res)
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const issuer: TestIssuer = {
    origin,
    jwksUri: `${origin}/jwks`,
    discoveryUrl: `${origin}/.well-known/openid-configuration`,
    key,
    published: [key],
    hits,
    hitsOf: (path) => hits.get(path) ?? 0,
    route: (path, handler) => void routes.set(path, handler),
    async sign(claims = {}, options = {}) {
      const signer = options.key ?? issuer.key
      const payload: JWTPayload = { ...defaultClaims(), ...claims }
      for (const name of options.omit ?? []) delete payload[name]
      return new SignJWT(payload)
        .setProtectedHeader({ typ: 'JWT', ...options.header, alg: signer.alg, kid: signer.kid })
        .sign(signer.privateKey, options.crit ? { crit: options.crit } : undefined)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  routes.set('/jwks', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: issuer.published.map((k) => k.publicJwk) }))
  })
  routes.set('/.well-known/openid-configuration', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ issuer: ISSUER_TEMPLATE, jwks_uri: `${origin}/jwks` }))
  })
  return issuer
}

/** A Request carrying `Authorization: Bearer <token>`. */
export function bearer(token: string): Request {
  return new Request('http://api.test/todos', { headers: { authorization: `Bearer ${token}` } })
}

/** Base64url of raw bytes. */
export function b64u(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url')
}
