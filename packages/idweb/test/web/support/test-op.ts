// A deliberately misbehaving OpenID Provider for the sign-in path. The real dev identity provider
// signs only valid tokens with its own keys and answers promptly; these tests need a provider that
// signs whatever a test asks (forged algorithms, wrong audiences, tokens from the future, other
// tenants), rotates keys on demand, and fails at discovery, keys or token endpoint the way a broken
// or hostile one would. It serves real HTTP on 127.0.0.1 (ephemeral port) with its own keys and
// discovery, and counts every request per path. Nothing here validates anything: it is the
// attacker's side.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type JWTPayload, SignJWT } from 'jose'
import { makeKey, type SigningKey } from '../../api/support/test-issuer.ts'

export { makeKey, type SigningKey }

export const CLIENT_ID = 'c1e0b4a2-5f6d-4e7c-8a9b-0c1d2e3f4a5b'
export const TENANT = '7d1c6a51-3b2e-4f9a-9c8d-1e2f3a4b5c6d'
export const OTHER_TENANT = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d'

/** What the token endpoint saw. */
export interface TokenRequest {
  grantType: string
  params: URLSearchParams
  /** The nonce of the sign-in whose code is redeemed (registered by {@link TestOp.codeFor}). */
  nonce: string | undefined
  /** The issuer the request was made to (the tenant's, for Entra-shaped paths). */
  issuer: string
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

export interface TestOp {
  readonly origin: string
  /** The generic-OIDC authority and issuer: `${origin}/oidc`. */
  readonly issuer: string
  /** Entra-shaped issuer of `tenant`: `${origin}/${tenant}/v2.0`. */
  entraIssuer(tenant: string): string
  /** Signs ID tokens by default. */
  key: SigningKey
  /** Keys published at the JWKS endpoint. */
  published: SigningKey[]
  /** Requests seen per path. */
  hitsOf(path: string): number
  /** The path of the JWKS endpoint. */
  readonly jwksPath: string
  /** Replaces what a path answers (discovery, JWKS, token endpoint) until {@link reset}. */
  route(path: string, handler: Handler): void
  /** What the token endpoint answers; default {@link TestOp.answer} with default claims. */
  onToken: (request: TokenRequest) => Promise<Record<string, unknown>> | Record<string, unknown>
  /** A code the token endpoint will redeem for a sign-in with this nonce. */
  codeFor(nonce: string): string
  /** A token endpoint body with an ID token signed over the default claims plus `claims`. */
  answer(request: TokenRequest, claims?: JWTPayload): Promise<Record<string, unknown>>
  /** Signs `claims` as given (no defaults), with header extras. */
  sign(
    claims: JWTPayload,
    options?: { key?: SigningKey; header?: Record<string, unknown> },
  ): Promise<string>
  /** The default ID token claims of `request`. */
  claims(request: TokenRequest): JWTPayload
  /** Restores the default routes and token answer. */
  reset(): void
  close(): Promise<void>
}

/** Epoch seconds now. */
export const nowSeconds = () => Math.floor(Date.now() / 1000)

/**
 * Waits until early in a wall-clock second, so a token signed now is checked within the same
 * second: boundary tests (`exp` at exactly now minus the tolerance) then cannot straddle a tick.
 */
export async function earlyInSecond(): Promise<void> {
  const ms = Date.now() % 1000
  if (ms > 300) await new Promise((resolve) => setTimeout(resolve, 1000 - ms + 5))
}

export async function startTestOp(): Promise<TestOp> {
  const hits = new Map<string, number>()
  const routes = new Map<string, Handler>()
  const codes = new Map<string, string>()
  let op: TestOp
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const handler = routes.get(path) ?? defaultRoute(path)
    Promise.resolve(handler(req, res)).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const json = (res: ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify(body))
  }
  const issuerOfPath = (path: string): string | undefined => {
    if (path.startsWith('/oidc/')) return `${origin}/oidc`
    const tenant = /^\/([^/]+)\/v2\.0\//.exec(path)?.[1]
    if (tenant === undefined) return undefined
    return tenant === 'organizations' || tenant === 'common'
      ? `${origin}/{tenantid}/v2.0`
      : `${origin}/${tenant}/v2.0`
  }
  const base = (issuer: string) => issuer.replace('{tenantid}', 'organizations')
  const discovery = (issuer: string) => ({
    issuer,
    authorization_endpoint: `${base(issuer)}/authorize`,
    token_endpoint: `${base(issuer)}/token`,
    jwks_uri: `${origin}/keys`,
    end_session_endpoint: `${base(issuer)}/logout`,
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
  })
  const token: Handler = async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const code = params.get('code') ?? ''
    const request: TokenRequest = {
      grantType: params.get('grant_type') ?? '',
      params,
      nonce: codes.get(code),
      issuer: (issuerOfPath(path) ?? `${origin}/oidc`).replace('{tenantid}', TENANT),
    }
    if (request.grantType === 'authorization_code' && request.nonce === undefined) {
      json(res, { error: 'invalid_grant', error_description: 'unknown code' }, 400)
      return
    }
    codes.delete(code)
    json(res, await op.onToken(request))
  }
  function defaultRoute(path: string): Handler {
    if (path === '/keys') {
      return (_req, res) => json(res, { keys: op.published.map((k) => k.publicJwk) })
    }
    if (path.endsWith('/.well-known/openid-configuration')) {
      const issuer = issuerOfPath(path)
      if (issuer) return (_req, res) => json(res, discovery(issuer))
    }
    if (path.endsWith('/token')) return token
    return (_req, res) => {
      res.writeHead(404).end()
    }
  }

  const key = await makeKey('RS256', 'key-1')
  const defaultToken = (request: TokenRequest) => op.answer(request)
  op = {
    origin,
    issuer: `${origin}/oidc`,
    entraIssuer: (tenant) => `${origin}/${tenant}/v2.0`,
    key,
    published: [key],
    jwksPath: '/keys',
    hitsOf: (path) => hits.get(path) ?? 0,
    route: (path, handler) => void routes.set(path, handler),
    onToken: defaultToken,
    codeFor(nonce) {
      const code = `code-${randomUUID()}`
      codes.set(code, nonce)
      return code
    },
    claims(request) {
      const now = nowSeconds()
      const tenant = /\/([0-9a-f-]{36})\/v2\.0$/.exec(request.issuer)?.[1] ?? TENANT
      return {
        iss: request.issuer,
        aud: CLIENT_ID,
        sub: 'subject-alice',
        oid: '11111111-2222-4333-8444-555555555555',
        tid: tenant,
        name: 'Alice Test',
        preferred_username: 'alice@test.example',
        iat: now,
        nbf: now,
        exp: now + 3600,
        ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      }
    },
    async answer(request, claims = {}) {
      return {
        access_token: `at-${randomUUID()}`,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'openid profile offline_access User.Read',
        refresh_token: `rt-${randomUUID()}`,
        id_token: await op.sign({ ...op.claims(request), ...claims }),
      }
    },
    async sign(claims, options = {}) {
      const signer = options.key ?? op.key
      return new SignJWT(claims)
        .setProtectedHeader({ typ: 'JWT', alg: signer.alg, kid: signer.kid, ...options.header })
        .sign(signer.privateKey)
    },
    reset() {
      routes.clear()
      op.onToken = defaultToken
      op.key = key
      op.published = [key]
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return op
}
