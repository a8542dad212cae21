import { createHash, X509Certificate } from 'node:crypto'
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider'
import Provider, { interactionPolicy } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import { issuerOf } from '../context.ts'
import { deviceCodeConfirmPage, deviceCodeInputPage } from '../pages/device.ts'
import { errorPage, messagePage } from '../pages/error.ts'
import { logoutPage } from '../pages/logout.ts'
import { EntraError, errorIds, toEntraFields } from '../protocol-error.ts'
import { OIDC_SCOPES } from '../scopes.ts'
import { accessTokenCustomizer } from './access-token.ts'
import { accountFinder, pairwiseIdTokenSubjects } from './account.ts'
import { ASKED_SCOPE_PARAM, keepAskedScopes } from './asked-scope.ts'
import { adaptClientModel, clientMetadata, JWT_BEARER } from './clients.ts'
import { loadExistingGrantHook } from './existing-grant.ts'
import { renderFrontChannelLogout } from './front-channel.ts'
import { clientCredentialsGrant } from './grants/client-credentials.ts'
import { onBehalfOfGrant } from './grants/on-behalf-of.ts'
import { refreshTokenGrant } from './grants/refresh-token.ts'
import { entraIdTokens } from './id-token.ts'
import { hint, installMiddleware } from './middleware.ts'
import { defaultResourceHook, resourceServerHook } from './resources.ts'

/** How long a sign-in's pages may take, in seconds. */
const INTERACTION_SECONDS = 3600

/** Entra's v2 endpoint paths of a tenant. */
export function tenantRoutes(tenantId: string) {
  const base = `/${tenantId}/oauth2/v2.0`
  return {
    authorization: `${base}/authorize`,
    token: `${base}/token`,
    end_session: `${base}/logout`,
    device_authorization: `${base}/devicecode`,
    code_verification: `/${tenantId}/oauth2/deviceauth`,
    jwks: `/${tenantId}/discovery/v2.0/keys`,
  }
}

function errorHtml(ctx: IdpContext, tenantId: string, koa: KoaContextWithOIDC, err: unknown) {
  const fields = toEntraFields(err, hint(ctx, tenantId, koa))
  const ids = errorIds(koa.get('client-request-id'))
  koa.type = 'html'
  koa.body = errorPage({
    error: fields.error,
    aadsts: fields.aadsts,
    message: fields.message,
    help: fields.help,
    ...ids,
  })
}

/**
 * Entra identifies the certificate of a client assertion by its header: `kid`, `x5t` (SHA-1) or
 * `x5t#S256`. A header that names none, or names a certificate the app does not have, fails.
 */
function assertRegisteredCertificate(
  header: Record<string, unknown>,
  keys: readonly Record<string, unknown>[],
) {
  const names = ['kid', 'x5t', 'x5t#S256'] as const
  const given = names.filter((n) => typeof header[n] === 'string')
  const known = given.length > 0 && given.every((n) => keys.some((k) => k[n] === header[n]))
  if (!known) {
    throw new EntraError({
      error: 'invalid_client',
      aadsts: 700027,
      status: 401,
      message: `The certificate with identifier used to sign the client assertion is not registered on application. (${given.map((n) => `${n}: ${String(header[n])}`).join(', ') || 'no kid, x5t or x5t#S256 header'})`,
    })
  }
}

/**
 * Entra refuses an assertion signed by a registered certificate outside its validity
 * (AADSTS700027), however well it is signed: an expired certificate must be renewed.
 */
function assertCertificateValid(header: Record<string, unknown>, pems: readonly string[]) {
  const now = Date.now()
  for (const pem of pems) {
    if (!pem.includes('BEGIN CERTIFICATE')) continue
    const cert = new X509Certificate(pem)
    const ids = {
      kid: createHash('sha1').update(cert.raw).digest('base64url'),
      x5t: createHash('sha1').update(cert.raw).digest('base64url'),
      'x5t#S256': createHash('sha256').update(cert.raw).digest('base64url'),
    }
    const names = ['kid', 'x5t', 'x5t#S256'] as const
    if (!names.some((n) => typeof header[n] === 'string' && header[n] === ids[n])) continue
    const expired = Date.parse(cert.validTo) < now
    if (expired || Date.parse(cert.validFrom) > now) {
      throw new EntraError({
        error: 'invalid_client',
        aadsts: 700027,
        status: 401,
        message: `Client assertion failed signature validation. The certificate with thumbprint ${cert.fingerprint.replaceAll(':', '')} used to sign the client assertion ${expired ? `expired on ${new Date(cert.validTo).toISOString()}` : `is not valid before ${new Date(cert.validFrom).toISOString()}`}.`,
      })
    }
  }
}

function configuration(ctx: IdpContext, tenantId: string): Configuration {
  const { ttl, seed } = ctx.options
  const cookieKey = createHash('sha256').update(`cookies|${seed}`).digest('base64url')
  const short = tenantId.slice(0, 8)
  const policy = interactionPolicy.base()
  return {
    adapter: ctx.store.adapterFor(tenantId),
    clients: ctx.index.appsForTenant(tenantId).map(clientMetadata),
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    claims: {
      openid: ['sub', 'oid', 'tid', 'ver', 'roles', 'groups'],
      profile: ['name', 'preferred_username', 'given_name', 'family_name'],
      email: ['email'],
    },
    conformIdTokenClaims: false,
    clockTolerance: 5,
    assertJwtClientAuthClaimsAndHeader: async (_koa, _claims, header, client) => {
      assertRegisteredCertificate(
        header,
        (client.jwks?.keys ?? []) as unknown as Record<string, unknown>[],
      )
      assertCertificateValid(header, ctx.index.app(client.clientId)?.certificates ?? [])
    },
    cookies: {
      keys: [cookieKey],
      names: { session: `idp_s_${short}`, interaction: `idp_i_${short}`, resume: `idp_r_${short}` },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256'] },
    expiresWithSession: async () => false,
    extraParams: ['client_info', 'domain_hint', ASKED_SCOPE_PARAM],
    extraClientMetadata: { properties: ['frontchannel_logout_uri'] },
    // oidc-provider refuses to call special-use addresses (SSRF protection); a development
    // provider's apps are on this machine, so its back-channel calls to loopback are let through.
    fetch: (url, options) => {
      const host = new URL(url instanceof Request ? url.url : url).hostname
      const loopback = host === 'localhost' || host === '[::1]' || host.startsWith('127.')
      if (loopback && options) delete (options as { dispatcher?: unknown }).dispatcher
      return globalThis.fetch(url, options)
    },
    features: {
      backchannelLogout: { enabled: true },
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: defaultResourceHook(ctx) as never,
        getResourceServerInfo: resourceServerHook(ctx),
        useGrantedResource: async () => true,
      },
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource: async (koa, form, _out, err) => {
          koa.body = deviceCodeInputPage(
            form,
            err ? 'That code is not valid or has expired. Try again.' : undefined,
          )
        },
        userCodeConfirmSource: async (koa, form, client, _info, userCode) => {
          koa.body = deviceCodeConfirmPage(form, client.clientName ?? client.clientId, userCode)
        },
        successSource: async (koa) => {
          koa.body = messagePage(
            'You are signed in',
            'You have signed in to the application on your device. You may now close this window.',
          )
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (koa, form) => {
          koa.body = logoutPage(form, undefined)
        },
        postLogoutSuccessSource: async (koa) => {
          koa.body = messagePage(
            'Signed out',
            'You have signed out of your account. It is a good idea to close all browser windows.',
          )
        },
      },
    },
    findAccount: accountFinder(ctx, tenantId),
    formats: { customizers: { jwt: accessTokenCustomizer(ctx, tenantId) as never } },
    interactions: {
      policy,
      url: async (_koa, interaction) => `/${tenantId}/interaction/${interaction.uid}`,
    },
    issueRefreshToken: async (_koa, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    jwks: { keys: [ctx.keys.privateJwk] },
    loadExistingGrant: loadExistingGrantHook(ctx, tenantId),
    pkce: { required: (_koa, client) => client.clientAuthMethod === 'none' },
    renderError: async (koa, _out, err) => errorHtml(ctx, tenantId, koa, err),
    responseTypes: ['code'],
    rotateRefreshToken: false,
    routes: tenantRoutes(tenantId),
    scopes: [...OIDC_SCOPES],
    subjectTypes: ['public'],
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: ttl.code,
      ClientCredentials: ttl.accessToken,
      DeviceCode: 900,
      // The grant is made during the sign-in, before its code is redeemed, and every token of
      // it dies with it: it outlives the longest sign-in and code, then the refresh token.
      Grant: INTERACTION_SECONDS + ttl.code + ttl.refreshToken,
      IdToken: ttl.idToken,
      Interaction: INTERACTION_SECONDS,
      RefreshToken: ttl.refreshToken,
      Session: 24 * 3600,
    },
  }
}

/** One tenant's oidc-provider, issuer `{origin}/{tenantId}/v2.0`, with Entra's paths and grants. */
export function createTenantProvider(ctx: IdpContext, tenantId: string): Provider {
  const provider = new Provider(issuerOf(ctx, tenantId), configuration(ctx, tenantId))
  keepAskedScopes(provider)
  adaptClientModel(provider, ctx.index, ctx.federationSecret)
  pairwiseIdTokenSubjects(provider, ctx.options.seed)
  entraIdTokens(ctx, provider, tenantId)
  renderFrontChannelLogout(provider, ctx.index, tenantId)
  const fromAnyAlias = provider.OIDCContext.prototype as unknown as {
    clientJwtAuthExpectedAudience(this: KoaContextWithOIDC['oidc']): Set<string>
  }
  const expected = fromAnyAlias.clientJwtAuthExpectedAudience
  fromAnyAlias.clientJwtAuthExpectedAudience = function audiences() {
    const set = expected.call(this)
    for (const alias of tokenEndpointAliases(ctx, tenantId)) set.add(alias)
    return set
  }
  provider.registerGrantType('refresh_token', refreshTokenGrant(ctx, provider, tenantId), [
    'refresh_token',
    'scope',
  ])
  provider.registerGrantType('client_credentials', clientCredentialsGrant(ctx, provider), ['scope'])
  provider.registerGrantType(JWT_BEARER, onBehalfOfGrant(ctx, provider, tenantId), [
    'assertion',
    'requested_token_use',
    'scope',
  ])
  installMiddleware(ctx, provider, tenantId)
  return provider
}

/** Token endpoint URLs a client assertion may name as `aud`: every alias of the tenant, and `common`. */
function tokenEndpointAliases(ctx: IdpContext, tenantId: string): string[] {
  const tenant = ctx.index.tenants.find((t) => t.id === tenantId)
  const aliases = [tenantId, ...(tenant?.domains ?? []), 'common', 'organizations']
  return aliases.map((a) => `${ctx.origin}/${a}/oauth2/v2.0/token`)
}
