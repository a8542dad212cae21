import { existsSync, readFileSync } from 'node:fs'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { managedIdentityAssertion } from './azure.ts'
import { isPem, loadPemCertificate } from './certificate.ts'
import type { CredentialDescription, ResolvedCredential } from './descriptions.ts'
import { pfxToPem } from './pkcs12.ts'
import { Secret } from './secret.ts'
import { signedAssertionFromFile } from './signed-assertion.ts'

/** Options of {@link resolveCredential}. */
export interface ResolveCredentialOptions {
  /**
   * Names a field of this credential for error messages, e.g.
   * `'clientSecret'` → `AzureAd.ClientCredentials[0].ClientSecret`.
   */
  name: (field: string) => string
  /** Environment, for `AZURE_FEDERATED_TOKEN_FILE`. Default `process.env`. */
  env?: Record<string, string | undefined>
  logger?: Logger
  /** Send the certificate chain as `x5c`. Default false. */
  sendX5c?: boolean
  /** Clock for certificate expiry warnings, in milliseconds. */
  now?: number
}

const PLACEHOLDER = /^\s*(\[.*\]|<.*>|enter_the_.*|your[-_ ]?client[-_ ]?secret.*)\s*$/i

/**
 * Validates one credential description at startup (reads files, opens keys, matches key and
 * certificate) and returns what {@link createClientCredential} needs.
 *
 * @throws ConfigError naming the setting and the fix.
 * @example
 * ```ts
 * const resolved = resolveCredential(
 *   { sourceType: 'Path', certificateDiskPath: './cert.pem' },
 *   { name: (f) => `clientCredentials[0].${f}` },
 * )
 * ```
 */
export function resolveCredential(
  description: CredentialDescription,
  options: ResolveCredentialOptions,
): ResolvedCredential {
  const { name } = options
  switch (description.sourceType) {
    case 'ClientSecret': {
      const secret = description.clientSecret
      if (typeof secret !== 'string' || secret.trim().length === 0) {
        throw new ConfigError(
          name('clientSecret'),
          'is empty. Create a secret under Certificates & secrets in the app registration and copy its Value (not its ID).',
        )
      }
      if (PLACEHOLDER.test(secret)) {
        throw new ConfigError(
          name('clientSecret'),
          'still holds the placeholder text. Copy the secret Value from Certificates & secrets in the app registration.',
        )
      }
      const method = description.authMethod ?? 'client_secret_post'
      if (method !== 'client_secret_post' && method !== 'client_secret_basic') {
        throw new ConfigError(
          name('authMethod'),
          `"${String(method)}" is not supported: use client_secret_post or client_secret_basic.`,
        )
      }
      return Object.freeze({
        kind: 'client_secret',
        authMethod: method,
        secret: new Secret(secret),
      })
    }
    case 'Path': {
      const path = description.certificateDiskPath
      if (typeof path !== 'string' || path.length === 0) {
        throw new ConfigError(
          name('certificateDiskPath'),
          'is missing: give the path of the PEM or PFX file holding the certificate and its private key.',
        )
      }
      if (!existsSync(path)) {
        throw new ConfigError(
          name('certificateDiskPath'),
          `the file ${path} does not exist (paths are relative to the working directory ${process.cwd()}).`,
        )
      }
      return certificateFrom(
        readFileSync(path),
        description.certificatePassword,
        name('certificateDiskPath'),
        options,
      )
    }
    case 'Base64Encoded': {
      const value = description.base64EncodedValue
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s]+$/.test(value)) {
        throw new ConfigError(
          name('base64EncodedValue'),
          'is missing or not base64: encode the PFX or PEM file with `base64 -w0 cert.pfx`.',
        )
      }
      return certificateFrom(
        Buffer.from(value, 'base64'),
        description.certificatePassword,
        name('base64EncodedValue'),
        options,
      )
    }
    case 'Pem': {
      if (
        typeof description.certificatePem !== 'string' ||
        typeof description.privateKeyPem !== 'string'
      ) {
        throw new ConfigError(
          name('certificatePem'),
          'needs both certificatePem and privateKeyPem as PEM text.',
        )
      }
      const bundle = `${description.privateKeyPem}\n${description.certificatePem}`
      return certificate(bundle, description.certificatePassword, name('certificatePem'), options)
    }
    case 'SignedAssertionFilePath': {
      const env = options.env ?? process.env
      const path = description.signedAssertionFileDiskPath || env.AZURE_FEDERATED_TOKEN_FILE
      if (!path) {
        throw new ConfigError(
          name('signedAssertionFileDiskPath'),
          'is missing and AZURE_FEDERATED_TOKEN_FILE is not set: give the path of the projected service account token, or enable workload identity on the pod.',
        )
      }
      return Object.freeze({
        kind: 'signed_assertion',
        source: path,
        getAssertion: signedAssertionFromFile(path),
      })
    }
    case 'SignedAssertion': {
      if (typeof description.getAssertion !== 'function') {
        throw new ConfigError(
          name('getAssertion'),
          'must be a function returning a signed assertion (a JWT).',
        )
      }
      return Object.freeze({
        kind: 'signed_assertion',
        source: 'code',
        getAssertion: description.getAssertion,
      })
    }
    case 'SignedAssertionFromManagedIdentity': {
      const id = description.managedIdentityClientId
      if (id !== undefined && (typeof id !== 'string' || id.trim() === '')) {
        throw new ConfigError(
          name('managedIdentityClientId'),
          'must be the client id of a user-assigned managed identity, or be left out for the system-assigned one.',
        )
      }
      return Object.freeze({
        kind: 'signed_assertion',
        source: `managed identity ${id ?? '(system-assigned)'}`,
        getAssertion: managedIdentityAssertion(description, name('sourceType')),
      })
    }
    case 'KeyVault':
      throw new ConfigError(
        name('sourceType'),
        'KeyVault certificates are read from the vault when first used: list them in clientCredentials (createIdweb), or read one with readKeyVaultCertificate.',
      )
    default: {
      const sourceType: unknown = (description as { sourceType?: unknown }).sourceType
      throw new ConfigError(
        name('sourceType'),
        `"${String(sourceType)}" is not a credential source idweb supports: use ClientSecret, Path, Base64Encoded, KeyVault, Pem, SignedAssertionFilePath, SignedAssertionFromManagedIdentity or SignedAssertion.`,
      )
    }
  }
}

/**
 * A certificate from the bytes of a PEM bundle or a PFX/PKCS#12 file (what Key Vault, Windows
 * and `openssl pkcs12 -export` produce), told apart by their content, not by a file name.
 */
export function certificateFrom(
  bytes: Uint8Array,
  password: string | undefined,
  key: string,
  options: ResolveCredentialOptions,
): ResolvedCredential {
  const pem = isPem(bytes) ? Buffer.from(bytes).toString('utf8') : pfxToPem(bytes, password, key)
  // A PFX's password opened it; the key inside is no longer encrypted.
  return certificate(pem, isPem(bytes) ? password : undefined, key, options)
}

function certificate(
  pem: string,
  password: string | undefined,
  key: string,
  options: ResolveCredentialOptions,
): ResolvedCredential {
  const loaded = loadPemCertificate(pem, {
    key,
    password,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  })
  return Object.freeze({
    kind: 'certificate',
    certificate: loaded.certificate,
    privateKey: loaded.privateKey,
    sendX5c: options.sendX5c === true,
  })
}
