import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { ConsentStore } from './consent.ts'
import type { IdpContext } from './context.ts'
import { issuerOf } from './context.ts'
import { DirectoryIndex, defaultDirectoryPath, readDirectoryFile } from './directory/index.ts'
import type { Directory } from './directory/types.ts'
import { DevIdpError } from './errors.ts'
import { type GrantEvent, GrantLog } from './grant-log.ts'
import { createRouter } from './http/router.ts'
import { ensureLocalCertificates } from './https/local-ca.ts'
import { signingKeys } from './keys.ts'
import type { ResolvedOptions, StartDevIdpOptions } from './options.ts'
import { ArtifactStore } from './provider/adapter.ts'
import { createTenantProvider } from './provider/create.ts'

/** A running development provider. */
export interface DevIdp {
  /** The origin, e.g. `http://localhost:4000`. */
  readonly url: string
  /** The issuer of a tenant (id or domain): `${url}/${tenantId}/v2.0`. */
  issuer(tenant: string): string
  /** What a client configures as authority: `${url}/${tenant}`; discovery at `${authority}/v2.0/.well-known/openid-configuration`. */
  authority(tenant: string): string
  /** Successful token grants, in order. */
  readonly grants: GrantLog
  /** How many grants of a type succeeded, e.g. `grantCount('refresh_token')`. */
  grantCount(grantType?: string): number
  /** The directory being served. */
  readonly directory: DirectoryIndex
  /**
   * The managed identity endpoint (App Service's protocol), as a host sets it in the environment:
   * `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`. `ManagedIdentityCredential` and the
   * `SignedAssertionFromManagedIdentity` credential find it there.
   */
  readonly managedIdentityEnv: {
    /** The identity endpoint's URL, `${url}/msi/token`. */
    IDENTITY_ENDPOINT: string
    /** The secret a request sends back as `X-IDENTITY-HEADER`: random per start, stable for an explicit `seed`. */
    IDENTITY_HEADER: string
  }
  /** The local CA certificate (PEM) when serving https. */
  readonly caCert: string | undefined
  /** Stops the server and forgets every session, code and token. */
  close(): Promise<void>
}

const noop = () => {}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value <= 0) {
    throw new DevIdpError(
      'DEV_IDP_OPTIONS_INVALID',
      `ttl.${name} must be a positive whole number of seconds`,
    )
  }
  return value
}

function resolveOptions(options: StartDevIdpOptions): ResolvedOptions {
  const port = options.port ?? 4000
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DevIdpError('DEV_IDP_OPTIONS_INVALID', `port must be 0..65535, got ${port}`)
  }
  const https = options.https
  const directory = options.directory
  return {
    directory:
      directory === undefined
        ? { kind: 'demo' }
        : typeof directory === 'string'
          ? { kind: 'file', path: directory }
          : { kind: 'object' },
    port,
    host: options.host ?? 'localhost',
    seed: options.seed ?? 'idweb-dev-idp',
    https: https
      ? { dir: resolve(typeof https === 'object' && https.dir ? https.dir : process.cwd()) }
      : false,
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    issuerInAuthResponse: options.issuerInAuthResponse ?? false,
    ttl: {
      accessToken: positive('accessToken', options.ttl?.accessToken, 3600),
      idToken: positive('idToken', options.ttl?.idToken, 3600),
      refreshToken: positive('refreshToken', options.ttl?.refreshToken, 14 * 24 * 3600),
      code: positive('code', options.ttl?.code, 300),
    },
    logger: options.logger ?? noop,
  }
}

async function loadDirectory(directory: Directory | string | undefined): Promise<DirectoryIndex> {
  if (directory === undefined)
    return new DirectoryIndex(await readDirectoryFile(defaultDirectoryPath))
  if (typeof directory === 'string')
    return new DirectoryIndex(await readDirectoryFile(resolve(directory)))
  return new DirectoryIndex(directory)
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject)
    server.listen(port, host === 'localhost' ? '127.0.0.1' : host, () => {
      server.off('error', reject)
      resolvePort((server.address() as AddressInfo).port)
    })
  })
}

/**
 * Starts the development OpenID Provider: Entra ID v2 endpoints for every tenant of the directory,
 * consent, the grants Entra supports, and a Microsoft Graph emulation under `/graph`.
 *
 * @example
 * ```ts
 * import { demo, startDevIdp } from '@idweb/dev-idp'
 * const idp = await startDevIdp({ port: 0, rotateRefreshTokens: true })
 * const authority = idp.authority(demo.tenants.contoso.domain)
 * // … run the client against `${authority}/v2.0/.well-known/openid-configuration`
 * await idp.close()
 * ```
 */
export async function startDevIdp(options: StartDevIdpOptions = {}): Promise<DevIdp> {
  const resolved = resolveOptions(options)
  const index = await loadDirectory(options.directory)
  const tls = resolved.https ? await ensureLocalCertificates(resolved.https.dir) : undefined
  const ctx: IdpContext = {
    index,
    options: resolved,
    consents: new ConsentStore(index),
    store: new ArtifactStore(),
    keys: signingKeys(resolved.seed),
    grants: new GrantLog(),
    origin: '',
    federationSecret: randomBytes(32).toString('base64url'),
    // Random per start unless a seed is given: the default seed is public, and the header is
    // all that stands between a local page and the identities' tokens.
    identityHeader:
      options.seed === undefined
        ? randomBytes(32).toString('base64url')
        : createHash('sha256').update(`identity-header|${resolved.seed}`).digest('base64url'),
    providers: new Map(),
  }
  const router = createRouter(ctx)
  const server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert }, router)
    : createHttpServer(router)
  const port = await listen(server, resolved.port, resolved.host)
  // As URLs spell it: no default port, so the issuer and every client's environment agree.
  ctx.origin = new URL(`${tls ? 'https' : 'http'}://${resolved.host}:${port}`).origin
  for (const tenant of index.tenants)
    ctx.providers.set(tenant.id, createTenantProvider(ctx, tenant.id))
  resolved.logger({
    level: 'info',
    message: `development identity provider listening on ${ctx.origin}`,
  })
  const tenantId = (tenant: string) => index.tenant(tenant)?.id ?? tenant
  return {
    url: ctx.origin,
    issuer: (tenant) => issuerOf(ctx, tenantId(tenant)),
    authority: (tenant) => `${ctx.origin}/${tenant}`,
    grants: ctx.grants,
    grantCount: (grantType) => ctx.grants.count(grantType),
    directory: index,
    managedIdentityEnv: {
      IDENTITY_ENDPOINT: `${ctx.origin}/msi/token`,
      IDENTITY_HEADER: ctx.identityHeader,
    },
    caCert: tls?.ca,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}

export type { GrantEvent }
