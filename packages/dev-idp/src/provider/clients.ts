import {
  createHash,
  createPublicKey,
  randomBytes,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto'
import type Provider from 'oidc-provider'
import type { ClientMetadata, JWK } from 'oidc-provider'
import type { App, DirectoryIndex } from '../directory/index.ts'
import { DevIdpError } from '../errors.ts'
import { redirectUriMatches } from './redirect-uri.ts'
import { currentRequestContext, federatedRequests } from './request-context.ts'

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code'

/** A registered certificate as a client JWK; `kid` is the SHA-1 thumbprint, as Entra keys it. */
export function certificateJwk(pem: string, owner: string): JWK {
  try {
    if (pem.includes('BEGIN CERTIFICATE')) {
      const cert = new X509Certificate(pem)
      const jwk = cert.publicKey.export({ format: 'jwk' }) as JWK
      return {
        ...jwk,
        kid: createHash('sha1').update(cert.raw).digest('base64url'),
        x5t: createHash('sha1').update(cert.raw).digest('base64url'),
        'x5t#S256': createHash('sha256').update(cert.raw).digest('base64url'),
      } as JWK
    }
    const key = createPublicKey(pem)
    const jwk = key.export({ format: 'jwk' }) as JWK
    const spki = key.export({ type: 'spki', format: 'der' })
    return { ...jwk, kid: createHash('sha256').update(spki).digest('base64url') }
  } catch (cause) {
    throw new DevIdpError(
      'DEV_IDP_DIRECTORY_INVALID',
      `app ${owner}: a certificate is not valid PEM`,
      {
        cause,
      },
    )
  }
}

/** oidc-provider client metadata for an app registration. */
export function clientMetadata(app: App): ClientMetadata {
  const redirectUris = app.redirectUris ?? []
  const grantTypes = ['refresh_token', DEVICE_CODE]
  if (redirectUris.length > 0) grantTypes.push('authorization_code')
  if (!app.publicClient) grantTypes.push('client_credentials', JWT_BEARER)
  const jwks = (app.certificates ?? []).map((pem) => certificateJwk(pem, app.appId))
  const secret = app.secrets?.[0]
  const metadata: ClientMetadata = {
    client_id: app.appId,
    client_name: app.displayName,
    application_type: 'web',
    redirect_uris: redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris ?? [],
    response_types: redirectUris.length > 0 ? ['code'] : [],
    grant_types: grantTypes,
    id_token_signed_response_alg: 'RS256',
  }
  if (app.publicClient) {
    metadata.token_endpoint_auth_method = 'none'
  } else if (secret) {
    metadata.token_endpoint_auth_method = 'client_secret_basic'
    metadata.client_secret = secret
  } else if (jwks.length > 0) {
    metadata.token_endpoint_auth_method = 'private_key_jwt'
  } else {
    // Only federated identity credentials: the router exchanges a checked assertion for the
    // federation secret, which compareClientSecret accepts; this placeholder never matches.
    metadata.token_endpoint_auth_method = 'client_secret_post'
    metadata.client_secret = randomBytes(32).toString('base64url')
  }
  if (jwks.length > 0) metadata.jwks = { keys: jwks }
  if (app.backchannelLogoutUri) {
    metadata.backchannel_logout_uri = app.backchannelLogoutUri
    metadata.backchannel_logout_session_required = true
  }
  if (app.frontchannelLogoutUri) metadata.frontchannel_logout_uri = app.frontchannelLogoutUri
  return metadata
}

/**
 * Adapts oidc-provider's Client model to Entra's rules:
 * - a confidential client may authenticate with any of its secrets or certificates, by
 *   `client_secret_basic`, `client_secret_post` or `private_key_jwt`, request by request, or
 *   with a federated assertion, which the router checks and exchanges for the federation secret;
 * - loopback redirect URIs match on any port.
 */
export function adaptClientModel(
  provider: Provider,
  index: DirectoryIndex,
  federationSecret: string,
): void {
  const proto = provider.Client.prototype as unknown as Record<string, unknown>
  Object.defineProperty(proto, 'clientAuthMethod', {
    configurable: true,
    get(this: { tokenEndpointAuthMethod: string; jwks?: unknown }) {
      const registered = this.tokenEndpointAuthMethod
      const ctx = currentRequestContext()
      if (registered === 'none' || !ctx?.oidc?.params) return registered
      const params = ctx.oidc.params
      if (params.client_assertion !== undefined) return this.jwks ? 'private_key_jwt' : registered
      if (params.client_secret !== undefined) return 'client_secret_post'
      if (ctx.headers.authorization !== undefined) return 'client_secret_basic'
      return registered
    },
  })
  proto.compareClientSecret = async function compare(this: { clientId: string }, actual: string) {
    const given = Buffer.from(String(actual))
    // A federated assertion the router checked (http/federated.ts) arrives as this secret, on
    // the request it replayed and for an app with federated credentials only.
    const app = index.app(this.clientId)
    const req = currentRequestContext()?.req
    const federated =
      req !== undefined &&
      federatedRequests.has(req) &&
      (app?.federatedIdentityCredentials?.length ?? 0) > 0
    const secrets = [...(app?.secrets ?? []), ...(federated ? [federationSecret] : [])]
    return secrets.some((secret) => {
      const expected = Buffer.from(secret)
      return expected.length === given.length && timingSafeEqual(expected, given)
    })
  }
  // Entra puts the session's `sid` in every ID token, whatever logout the app registered.
  proto.includeSid = () => true
  proto.redirectUriAllowed = function allowed(this: { redirectUris: string[] }, value: string) {
    return redirectUriMatches(this.redirectUris, value)
  }
  proto.postLogoutRedirectUriAllowed = function allowed(
    this: { postLogoutRedirectUris: string[] },
    value: string,
  ) {
    return redirectUriMatches(this.postLogoutRedirectUris, value)
  }
}
