import { importPeer, loadPeer, type PeerImport } from '../cache/stores/driver.ts'
import { ConfigError, IdwebError } from '../errors.ts'
import type { KeyVaultDescription, ManagedIdentityAssertionDescription } from './descriptions.ts'

/** The optional Azure SDK packages behind Key Vault certificates and managed identities. */
export const AZURE_PACKAGES = {
  identity: '@azure/identity',
  secrets: '@azure/keyvault-secrets',
} as const

/** An `@azure/identity` credential, reduced to what idweb calls. */
interface TokenCredentialLike {
  getToken(scopes: string | string[]): Promise<{ token: string } | null>
}

/** The bytes of a Key Vault certificate: what its secret holds, decoded by content type. */
export interface KeyVaultCertificate {
  /** PFX bytes (`application/x-pkcs12`, base64 in the secret) or PEM text. */
  readonly bytes: Uint8Array
  /** The version read, for logs. */
  readonly version: string | undefined
}

/**
 * Reads the newest version of a Key Vault certificate with its private key, through the
 * certificate's secret (Key Vault keeps the exportable key there, as PFX or PEM).
 *
 * @throws IdwebError `IDW_CREDENTIAL_INVALID`: the vault cannot be reached, refuses the identity,
 *   or has no such certificate; ConfigError when the Azure SDK is not installed.
 */
export async function readKeyVaultCertificate(
  description: KeyVaultDescription,
  setting: string,
  load: PeerImport = importPeer,
): Promise<KeyVaultCertificate> {
  const { SecretClient } = await loadPeer<typeof import('@azure/keyvault-secrets')>(
    AZURE_PACKAGES.secrets,
    AZURE_PACKAGES.secrets,
    setting,
    load,
  )
  const credential =
    (description.credential as TokenCredentialLike | undefined) ??
    (await defaultCredential(description.managedIdentityClientId, setting, load))
  const client = new SecretClient(
    description.keyVaultUrl,
    credential as ConstructorParameters<typeof SecretClient>[1],
    description.clientOptions as ConstructorParameters<typeof SecretClient>[2],
  )
  let secret: Awaited<ReturnType<typeof client.getSecret>>
  try {
    secret = await client.getSecret(description.keyVaultCertificateName)
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode
    const why =
      status === 404
        ? `has no certificate named "${description.keyVaultCertificateName}"`
        : status === 403
          ? 'refused the app\'s identity: grant it the "Key Vault Secrets User" role (or a get-secret access policy)'
          : `could not be read (${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)})`
    throw new IdwebError(
      'IDW_CREDENTIAL_INVALID',
      `The Key Vault ${description.keyVaultUrl} ${why}.`,
      { cause: err },
    )
  }
  const value = secret.value ?? ''
  const pem =
    secret.properties.contentType === 'application/x-pem-file' || value.includes('-----BEGIN')
  const bytes = pem ? Buffer.from(value, 'utf8') : Buffer.from(value, 'base64')
  if (bytes.length === 0) {
    throw new IdwebError(
      'IDW_CREDENTIAL_INVALID',
      `The Key Vault certificate "${description.keyVaultCertificateName}" has no exportable key: create it with an exportable key policy.`,
    )
  }
  return { bytes, version: secret.properties.version }
}

/**
 * A signed-assertion provider for a federated identity credential: a managed identity token for
 * `api://AzureADTokenExchange`. `ManagedIdentityCredential` caches it until near its expiry.
 */
export function managedIdentityAssertion(
  description: ManagedIdentityAssertionDescription,
  setting: string,
  load: PeerImport = importPeer,
): () => Promise<string> {
  const audience = description.tokenExchangeUrl ?? 'api://AzureADTokenExchange'
  let credential: Promise<TokenCredentialLike> | undefined
  return async () => {
    credential ??= loadPeer<typeof import('@azure/identity')>(
      AZURE_PACKAGES.identity,
      AZURE_PACKAGES.identity,
      setting,
      load,
    ).then((identity) =>
      description.managedIdentityClientId
        ? new identity.ManagedIdentityCredential({ clientId: description.managedIdentityClientId })
        : new identity.ManagedIdentityCredential(),
    )
    credential.catch(() => {
      credential = undefined
    })
    const mi = await credential
    let token: { token: string } | null
    try {
      token = await mi.getToken(`${audience}/.default`)
    } catch (err) {
      throw new IdwebError(
        'IDW_CREDENTIAL_INVALID',
        `The managed identity${description.managedIdentityClientId ? ` ${description.managedIdentityClientId}` : ''} gave no token for ${audience}: ${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)}`,
        { cause: err },
      )
    }
    if (!token?.token) {
      throw new IdwebError(
        'IDW_CREDENTIAL_INVALID',
        `The managed identity gave no token for ${audience}.`,
      )
    }
    return token.token
  }
}

async function defaultCredential(
  managedIdentityClientId: string | undefined,
  setting: string,
  load: PeerImport,
): Promise<TokenCredentialLike> {
  const identity = await loadPeer<typeof import('@azure/identity')>(
    AZURE_PACKAGES.identity,
    AZURE_PACKAGES.identity,
    setting,
    load,
  )
  return managedIdentityClientId
    ? new identity.DefaultAzureCredential({ managedIdentityClientId })
    : new identity.DefaultAzureCredential()
}

/** Checks a Key Vault description's shape at startup. */
export function checkKeyVault(description: KeyVaultDescription, name: (f: string) => string): void {
  let url: URL | undefined
  try {
    url = new URL(description.keyVaultUrl)
  } catch {}
  if (url?.protocol !== 'https:') {
    throw new ConfigError(
      name('keyVaultUrl'),
      "must be the vault's https URL, e.g. https://contoso.vault.azure.net (the Vault URI on its Overview page).",
    )
  }
  const certName = description.keyVaultCertificateName
  if (typeof certName !== 'string' || !/^[0-9a-zA-Z-]{1,127}$/.test(certName)) {
    throw new ConfigError(
      name('keyVaultCertificateName'),
      "must be the certificate's name in the vault (letters, digits and dashes).",
    )
  }
}
