import type { Secret } from './secret.ts'

/** How a client secret is sent to the token endpoint. */
export type ClientSecretMethod = 'client_secret_post' | 'client_secret_basic'

/**
 * A client secret. `authMethod` defaults to `client_secret_post` (what Entra expects).
 *
 * @example
 * ```ts
 * const c: ClientSecretDescription = { sourceType: 'ClientSecret', clientSecret: process.env.SECRET! }
 * ```
 */
export interface ClientSecretDescription {
  readonly sourceType: 'ClientSecret'
  readonly clientSecret: string
  readonly authMethod?: ClientSecretMethod
}

/**
 * A certificate and its private key in a file: a PFX/PKCS#12 file (`.pfx`, `.p12`, opened with
 * `certificatePassword`; needs the optional package `node-forge`), or a PEM file holding both,
 * optionally with the chain (an `ENCRYPTED PRIVATE KEY` is opened with `certificatePassword`).
 *
 * @example
 * ```ts
 * const c: CertificatePathDescription = { sourceType: 'Path', certificateDiskPath: './app-cert.pem' }
 * ```
 */
export interface CertificatePathDescription {
  readonly sourceType: 'Path'
  readonly certificateDiskPath: string
  readonly certificatePassword?: string
}

/**
 * A certificate and private key, base64-encoded (for environment variables and secret stores):
 * a PFX/PKCS#12 file, as a Key Vault certificate's secret holds, or a PEM bundle.
 *
 * @example
 * ```ts
 * const c: CertificateBase64Description = {
 *   sourceType: 'Base64Encoded',
 *   base64EncodedValue: process.env.APP_CERT_PEM_BASE64!,
 * }
 * ```
 */
export interface CertificateBase64Description {
  readonly sourceType: 'Base64Encoded'
  readonly base64EncodedValue: string
  readonly certificatePassword?: string
}

/**
 * A certificate and private key given as PEM text (programmatic configuration only).
 *
 * @example
 * ```ts
 * const c: CertificatePemDescription = { sourceType: 'Pem', certificatePem, privateKeyPem }
 * ```
 */
export interface CertificatePemDescription {
  readonly sourceType: 'Pem'
  readonly certificatePem: string
  readonly privateKeyPem: string
  readonly certificatePassword?: string
}

/**
 * A signed assertion read from a file on every use (Kubernetes workload identity: the file is
 * rotated by the platform). Without a path, `AZURE_FEDERATED_TOKEN_FILE` is used.
 *
 * @example
 * ```ts
 * const c: SignedAssertionFileDescription = { sourceType: 'SignedAssertionFilePath' }
 * ```
 */
export interface SignedAssertionFileDescription {
  readonly sourceType: 'SignedAssertionFilePath'
  readonly signedAssertionFileDiskPath?: string
}

/**
 * A signed assertion from your own code, called before every token request that needs it.
 *
 * @example
 * ```ts
 * const c: SignedAssertionDescription = {
 *   sourceType: 'SignedAssertion',
 *   getAssertion: async () => (await credential.getToken('api://AzureADTokenExchange')).token,
 * }
 * ```
 */
export interface SignedAssertionDescription {
  readonly sourceType: 'SignedAssertion'
  readonly getAssertion: () => Promise<string>
}

/**
 * A certificate kept in Azure Key Vault, read with the Azure SDK (the optional packages
 * `@azure/keyvault-secrets` and `@azure/identity`): its newest version, as the PFX or PEM that
 * the certificate's secret holds. It is loaded on first use and cached, and loaded again when the
 * provider refuses it (the certificate was renewed in the vault).
 *
 * @example
 * ```ts
 * const c: KeyVaultDescription = {
 *   sourceType: 'KeyVault',
 *   keyVaultUrl: 'https://contoso.vault.azure.net',
 *   keyVaultCertificateName: 'web-app-cert',
 * }
 * ```
 */
export interface KeyVaultDescription {
  readonly sourceType: 'KeyVault'
  /** The vault, e.g. `https://contoso.vault.azure.net`. */
  readonly keyVaultUrl: string
  /** The certificate's name in the vault. */
  readonly keyVaultCertificateName: string
  /** A user-assigned managed identity to reach the vault with (its client id). */
  readonly managedIdentityClientId?: string
  /**
   * How to authenticate to the vault, an `@azure/identity` `TokenCredential`. Default
   * `DefaultAzureCredential` (managed identity on Azure, the Azure CLI's sign-in on a laptop).
   */
  readonly credential?: unknown
  /** Options for the SDK's `SecretClient` (retries, proxy, TLS). */
  readonly clientOptions?: Readonly<Record<string, unknown>>
}

/**
 * A federated identity credential: the app's client assertion is a managed identity token for
 * `api://AzureADTokenExchange`, fetched through `@azure/identity`'s `ManagedIdentityCredential`
 * (an optional package) and cached by it until near its expiry. The app registration trusts the
 * managed identity (Certificates & secrets > Federated credentials).
 *
 * @example
 * ```ts
 * const c: ManagedIdentityAssertionDescription = {
 *   sourceType: 'SignedAssertionFromManagedIdentity',
 *   managedIdentityClientId: process.env.UAMI_CLIENT_ID,
 * }
 * ```
 */
export interface ManagedIdentityAssertionDescription {
  readonly sourceType: 'SignedAssertionFromManagedIdentity'
  /** A user-assigned managed identity's client id; absent: the system-assigned identity. */
  readonly managedIdentityClientId?: string | undefined
  /** The audience of the token. Default `api://AzureADTokenExchange` (the public cloud's). */
  readonly tokenExchangeUrl?: string | undefined
}

/**
 * How the app proves its identity to the token endpoint: the camelCase form of Identity.Web's
 * `ClientCredentials` entries, plus `Pem` and `SignedAssertion` for code. In a list, entries
 * are tried in order, the next one used when one cannot be loaded or is refused.
 */
export type CredentialDescription =
  | ClientSecretDescription
  | CertificatePathDescription
  | CertificateBase64Description
  | CertificatePemDescription
  | SignedAssertionFileDescription
  | SignedAssertionDescription
  | KeyVaultDescription
  | ManagedIdentityAssertionDescription

/** What idweb knows about a loaded certificate. Every field is safe to log. */
export interface CertificateInfo {
  /** The certificate in PEM. */
  readonly pem: string
  /** base64url SHA-256 of the DER certificate: the `x5t#S256` header value. */
  readonly thumbprintSha256: string
  /** Upper-case hex SHA-1, as the Entra portal shows it. */
  readonly thumbprintSha1: string
  readonly subject: string
  /** ISO 8601. */
  readonly notBefore: string
  /** ISO 8601. */
  readonly notAfter: string
  /** The chain for `x5c`: base64 (not base64url) DER, leaf first. */
  readonly x5c: readonly string[]
  /** `RS`/`PS` keys are RSA; `ES256`/`ES384`/`ES512` name the curve. */
  readonly keyType: 'RSA' | 'ES256' | 'ES384' | 'ES512'
}

/** A credential validated at startup, ready for {@link createClientCredential}. */
export type ResolvedCredential =
  | {
      /** A client secret. */
      readonly kind: 'client_secret'
      /** `client_secret_post` or `client_secret_basic`. */
      readonly authMethod: ClientSecretMethod
      /** The secret, wrapped so that it never prints. */
      readonly secret: Secret
    }
  | {
      /** A certificate: `private_key_jwt` assertions signed with its key. */
      readonly kind: 'certificate'
      /** The certificate's thumbprints, chain and validity. */
      readonly certificate: CertificateInfo
      /** PKCS#8 PEM of the private key, decrypted. */
      readonly privateKey: Secret
      /** Send the `x5c` chain header (Entra "subject name + issuer" authentication). */
      readonly sendX5c: boolean
    }
  | {
      /** A ready-made client assertion (e.g. a workload identity federation token). */
      readonly kind: 'signed_assertion'
      /** Where assertions come from, for logs: a file path or `code`. */
      readonly source: string
      /** Reads the current assertion, a JWT, each time one is needed. */
      readonly getAssertion: () => Promise<string>
    }
