import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto'
import { ConfigError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import type { CertificateInfo } from './descriptions.ts'
import { Secret } from './secret.ts'

/** A certificate with its private key, validated. */
export interface LoadedCertificate {
  readonly certificate: CertificateInfo
  /** Decrypted PKCS#8 PEM. */
  readonly privateKey: Secret
}

/** Options of {@link loadPemCertificate}. */
export interface LoadCertificateOptions {
  /** The setting being loaded, for error messages, e.g. `AzureAd.ClientCertificates[0]`. */
  key: string
  /** Opens an encrypted private key. */
  password?: string | undefined
  logger?: Logger
  /** Clock for the expiry warning, in milliseconds. */
  now?: number
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g
const KEY_BLOCK =
  /-----BEGIN (ENCRYPTED PRIVATE KEY|PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY)-----[\s\S]+?-----END \1-----/

/**
 * Whether `bytes` look like a PEM document (text with a `-----BEGIN` line) rather than DER/PFX.
 *
 * @example
 * ```ts
 * isPem(Buffer.from('-----BEGIN CERTIFICATE-----\n...')) // true
 * ```
 */
export function isPem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 4096)).toString('latin1').includes('-----BEGIN ')
}

/**
 * The `x5t#S256` value of a certificate: base64url of the SHA-256 of its DER encoding.
 *
 * @example
 * ```ts
 * certificateThumbprintSha256(new X509Certificate(pem)) // 'q3dv...'
 * ```
 */
export function certificateThumbprintSha256(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('base64url')
}

/**
 * Loads and checks a PEM bundle holding a private key and its certificate (optionally with the
 * chain, leaf first or in any order). Refuses a bundle whose key matches none of its
 * certificates, an unsupported key type, and a weak RSA key; warns when the certificate is expired
 * or not yet valid.
 *
 * @throws ConfigError naming `options.key`.
 * @example
 * ```ts
 * const { certificate } = loadPemCertificate(readFileSync('cert.pem', 'utf8'), { key: 'AzureAd.ClientCertificates[0]' })
 * certificate.thumbprintSha256
 * ```
 */
export function loadPemCertificate(
  pem: string,
  options: LoadCertificateOptions,
): LoadedCertificate {
  const { key } = options
  const certBlocks = pem.match(CERT_BLOCK) ?? []
  const keyBlock = pem.match(KEY_BLOCK)?.[0]
  if (certBlocks.length === 0) {
    throw new ConfigError(
      key,
      'holds no certificate (-----BEGIN CERTIFICATE-----). Put the certificate and its private key in one PEM file.',
    )
  }
  if (keyBlock === undefined) {
    throw new ConfigError(
      key,
      'holds no private key (-----BEGIN PRIVATE KEY-----). Put the private key next to the certificate in the PEM file; the app needs it to sign client assertions.',
    )
  }
  const privateKey = openPrivateKey(keyBlock, options)
  const certs = certBlocks.map((block, i) => {
    try {
      return new X509Certificate(block)
    } catch (err) {
      throw new ConfigError(key, `certificate #${i + 1} in the PEM cannot be read.`, { cause: err })
    }
  })
  const leaf = certs.find((c) => c.checkPrivateKey(privateKey))
  if (leaf === undefined) {
    throw new ConfigError(
      key,
      'the private key does not match the certificate: use the key that was generated with this certificate (compare `openssl x509 -noout -pubkey` with `openssl pkey -pubout`).',
    )
  }
  const keyType = keyTypeOf(privateKey, key)
  const chain = [leaf, ...certs.filter((c) => c !== leaf)]
  const info: CertificateInfo = Object.freeze({
    pem: leaf.toString(),
    thumbprintSha256: certificateThumbprintSha256(leaf),
    thumbprintSha1: leaf.fingerprint.replaceAll(':', '').toUpperCase(),
    subject: leaf.subject,
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    x5c: Object.freeze(chain.map((c) => c.raw.toString('base64'))),
    keyType,
  })
  warnOnValidity(info, options)
  return Object.freeze({
    certificate: info,
    privateKey: new Secret(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
  })
}

function openPrivateKey(block: string, options: LoadCertificateOptions): KeyObject {
  const encrypted = block.startsWith('-----BEGIN ENCRYPTED')
  if (encrypted && !options.password) {
    throw new ConfigError(
      options.key,
      'the private key is encrypted: set CertificatePassword (or decrypt it with `openssl pkey -in key.pem -out key-plain.pem`).',
    )
  }
  try {
    return createPrivateKey(
      options.password ? { key: block, passphrase: options.password } : { key: block },
    )
  } catch (err) {
    throw new ConfigError(
      options.key,
      encrypted
        ? 'the private key cannot be decrypted: check CertificatePassword.'
        : 'the private key cannot be read: export it again as PEM (PKCS#8).',
      { cause: err },
    )
  }
}

function keyTypeOf(keyObject: KeyObject, key: string): CertificateInfo['keyType'] {
  const details = keyObject.asymmetricKeyDetails
  if (keyObject.asymmetricKeyType === 'rsa') {
    if ((details?.modulusLength ?? 0) < 2048) {
      throw new ConfigError(
        key,
        'the RSA key is shorter than 2048 bits: issue a new certificate with a 2048-bit or longer key.',
      )
    }
    return 'RSA'
  }
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = details?.namedCurve
    if (curve === 'prime256v1' || curve === 'P-256') return 'ES256'
    if (curve === 'secp384r1' || curve === 'P-384') return 'ES384'
    if (curve === 'secp521r1' || curve === 'P-521') return 'ES512'
  }
  throw new ConfigError(
    key,
    `keys of type ${keyObject.asymmetricKeyType ?? 'unknown'}${details?.namedCurve ? ` (${details.namedCurve})` : ''} are not supported: use an RSA (2048+ bits) or EC P-256/P-384/P-521 certificate.`,
  )
}

function warnOnValidity(info: CertificateInfo, options: LoadCertificateOptions): void {
  const logger = options.logger ?? silentLogger
  const now = options.now ?? Date.now()
  const fields = { setting: options.key, thumbprint: info.thumbprintSha1, notAfter: info.notAfter }
  if (Date.parse(info.notAfter) < now) {
    logger.warn(
      'client certificate has expired: the identity provider will refuse it; renew it',
      fields,
    )
  } else if (Date.parse(info.notBefore) > now) {
    logger.warn('client certificate is not valid yet: check the clock or the certificate', fields)
  } else if (Date.parse(info.notAfter) - now < 30 * 86_400_000) {
    logger.warn('client certificate expires within 30 days: renew it', fields)
  }
}
