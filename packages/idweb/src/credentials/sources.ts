import { IdwebError } from '../errors.ts'
import { checkKeyVault, readKeyVaultCertificate } from './azure.ts'
import type { CredentialSource } from './credential-chain.ts'
import type { CredentialDescription, ResolvedCredential } from './descriptions.ts'
import {
  certificateFrom,
  type ResolveCredentialOptions,
  resolveCredential,
} from './resolve-credential.ts'

/** Options of {@link credentialSource}. */
export interface CredentialSourceOptions extends ResolveCredentialOptions {
  /** The entry's setting, e.g. `AzureAd.ClientCredentials[1]`, for logs. */
  setting: string
  /**
   * Whether entries follow this one. An expired certificate with a successor is skipped rather
   * than sent: the provider would refuse it.
   */
  hasNext: boolean
}

/**
 * A configured credential as the {@link CredentialChain} uses it. Its shape is checked now; what
 * can be loaded now (files, secrets, PEM text) is loaded now, so that startup reports it. A Key
 * Vault certificate is read on first use, and every entry again when the provider refuses it.
 *
 * @throws ConfigError for a malformed description. One that cannot be loaded now is returned
 *   with its `loadError`, for the chain to skip (or to refuse startup when none loads).
 */
export function credentialSource(
  description: CredentialDescription,
  options: CredentialSourceOptions,
): { source: CredentialSource; loadError?: unknown } {
  const { setting, hasNext } = options
  const sourceType = String(description.sourceType)
  if (description.sourceType === 'KeyVault') {
    checkKeyVault(description, options.name)
    const load = async () => {
      const { bytes, version } = await readKeyVaultCertificate(description, setting)
      options.logger?.debug('client certificate read from Key Vault', {
        setting,
        vault: description.keyVaultUrl,
        name: description.keyVaultCertificateName,
        version,
      })
      return usable(certificateFrom(bytes, undefined, setting, options), hasNext, options.now)
    }
    return { source: Object.freeze({ setting, sourceType, load }) }
  }
  const load = () => usable(resolveCredential(description, options), hasNext, options.now)
  try {
    const preloaded = usable(resolveCredential(description, options), hasNext, options.now)
    return { source: Object.freeze({ setting, sourceType, load, preloaded }) }
  } catch (loadError) {
    return { source: Object.freeze({ setting, sourceType, load }), loadError }
  }
}

function usable(resolved: ResolvedCredential, hasNext: boolean, now = Date.now()) {
  if (resolved.kind !== 'certificate' || !hasNext) return resolved
  const { notAfter, notBefore, thumbprintSha1 } = resolved.certificate
  if (Date.parse(notAfter) < now || Date.parse(notBefore) > now) {
    throw new IdwebError(
      'IDW_CREDENTIAL_INVALID',
      `the certificate ${thumbprintSha1} is ${Date.parse(notAfter) < now ? `expired since ${notAfter}` : `not valid before ${notBefore}`}`,
    )
  }
  return resolved
}
