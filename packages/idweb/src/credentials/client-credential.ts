import { importPKCS8 } from 'jose'
import * as oauth from 'oauth4webapi'
import { IdwebError } from '../errors.ts'
import type { ResolvedCredential } from './descriptions.ts'

/** The client authentication method a credential uses at the token endpoint. */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt'

/**
 * The seam between a configured credential and oauth4webapi: `clientAuth` is passed as the
 * `clientAuthentication` argument of every token endpoint request.
 */
export interface ClientCredential {
  /** Which configured credential this is. */
  readonly kind: ResolvedCredential['kind']
  /** The token endpoint auth method it uses, e.g. `private_key_jwt`. */
  readonly authMethod: ClientAuthMethod
  /** The oauth4webapi client authentication to pass to token requests. */
  readonly clientAuth: oauth.ClientAuth
}

/** Options of {@link createClientCredential}. */
export interface ClientCredentialOptions {
  /**
   * The `aud` of certificate assertions. `token_endpoint` (default) is what Entra documents and
   * stays correct for multi-tenant authorities, whose discovery issuer is a `{tenantid}` template;
   * `issuer` is the RFC 7523 alternative some providers require.
   */
  assertionAudience?: 'token_endpoint' | 'issuer'
  /** Signature algorithm for RSA certificates. Default `PS256` (as msal-node). */
  rsaAlgorithm?: 'PS256' | 'RS256'
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/**
 * Builds the oauth4webapi `ClientAuth` for a validated credential:
 *
 * - client secret → `ClientSecretPost` (default) or `ClientSecretBasic`;
 * - certificate → `PrivateKeyJwt` whose header carries `x5t#S256` (base64url SHA-256 of the DER
 *   certificate) and, with `sendX5c`, the `x5c` chain; the key is imported on first use;
 * - signed assertion → the provider's JWT as `client_assertion`, fetched for every request.
 *
 * @example
 * ```ts
 * const credential = createClientCredential(config.credentials[0]!)
 * const response = await oauth.clientCredentialsGrantRequest(as, client, credential.clientAuth, params)
 * ```
 */
export function createClientCredential(
  resolved: ResolvedCredential,
  options: ClientCredentialOptions = {},
): ClientCredential {
  switch (resolved.kind) {
    case 'client_secret': {
      const secret = resolved.secret.reveal()
      const clientAuth =
        resolved.authMethod === 'client_secret_basic'
          ? oauth.ClientSecretBasic(secret)
          : oauth.ClientSecretPost(secret)
      return Object.freeze({ kind: resolved.kind, authMethod: resolved.authMethod, clientAuth })
    }
    case 'certificate':
      return Object.freeze({
        kind: resolved.kind,
        authMethod: 'private_key_jwt',
        clientAuth: certificateAuth(resolved, options),
      })
    case 'signed_assertion': {
      const { getAssertion, source } = resolved
      const clientAuth: oauth.ClientAuth = async (_as, client, body) => {
        let assertion: string
        try {
          assertion = await getAssertion()
        } catch (err) {
          if (err instanceof IdwebError) throw err
          throw new IdwebError(
            'IDW_CREDENTIAL_INVALID',
            `The signed assertion provider (${source}) failed.`,
            { cause: err },
          )
        }
        if (typeof assertion !== 'string' || assertion.split('.').length !== 3) {
          throw new IdwebError(
            'IDW_CREDENTIAL_INVALID',
            `The signed assertion provider (${source}) did not return a JWT.`,
          )
        }
        body.set('client_id', client.client_id)
        body.set('client_assertion_type', JWT_BEARER)
        body.set('client_assertion', assertion)
      }
      return Object.freeze({ kind: resolved.kind, authMethod: 'private_key_jwt', clientAuth })
    }
  }
}

function certificateAuth(
  resolved: Extract<ResolvedCredential, { kind: 'certificate' }>,
  options: ClientCredentialOptions,
): oauth.ClientAuth {
  const { certificate, sendX5c } = resolved
  const alg =
    certificate.keyType === 'RSA' ? (options.rsaAlgorithm ?? 'PS256') : certificate.keyType
  const audience = options.assertionAudience ?? 'token_endpoint'
  let key: Promise<CryptoKey> | undefined
  return async (as, client, body, headers) => {
    key ??= importPKCS8(resolved.privateKey.reveal(), alg).catch((err: unknown) => {
      key = undefined
      throw new IdwebError(
        'IDW_CREDENTIAL_INVALID',
        'The certificate private key cannot be imported.',
        {
          cause: err,
        },
      )
    })
    const privateKey = await key
    const auth = oauth.PrivateKeyJwt(privateKey, {
      [oauth.modifyAssertion]: (header, payload) => {
        header['x5t#S256'] = certificate.thumbprintSha256
        if (sendX5c) header.x5c = [...certificate.x5c]
        if (audience === 'token_endpoint' && as.token_endpoint) payload.aud = as.token_endpoint
      },
    })
    await auth(as, client, body, headers)
  }
}
