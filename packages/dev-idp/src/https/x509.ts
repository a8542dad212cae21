import { createPrivateKey, KeyObject, webcrypto } from 'node:crypto'
import { isIP } from 'node:net'

type X509 = typeof import('@peculiar/x509')

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  /** The certificate, PEM. */
  cert: string
  /** Its private key, PKCS#8 PEM. */
  key: string
}

/** Options of {@link createCertificate}. */
export interface CertificateOptions {
  /** The subject common name (`CN`), e.g. `localhost`. */
  commonName: string
  /** `ec` (P-256, default) or `rsa` (2048, for RS256/PS256 client assertions). */
  keyType?: 'ec' | 'rsa'
  /** A CA; `true` makes a CA certificate. */
  isCa?: boolean
  /** DNS names and IP addresses for subjectAltName (server certificates). */
  altNames?: string[]
  /**
   * Signs with this CA instead of self-signing. The issuer name and authority key identifier are
   * taken from `cert`, so that they match the CA exactly.
   */
  issuer?: CertificateAndKey & {
    /** The CA certificate's subject common name, written as the new certificate's issuer. */
    commonName: string
  }
  /** Validity in days. Default 365. */
  days?: number
  /** Valid from; default a minute ago. With `notAfter`, makes expired or future certificates. */
  notBefore?: Date
  /** Valid until; default `days` from now. */
  notAfter?: Date
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const

let loaded: Promise<X509> | undefined

/**
 * `@peculiar/x509`, loaded on first use. It resolves its algorithms through tsyringe, which needs
 * the Reflect metadata API, so `reflect-metadata` is loaded first; loading both lazily keeps that
 * global polyfill out of processes that never create a certificate.
 */
function library(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata')
    const x509 = await import('@peculiar/x509')
    x509.cryptoProvider.set(webcrypto as Crypto)
    return x509
  })()
  return loaded
}

async function generateKeyPair(keyType: 'ec' | 'rsa' | undefined): Promise<CryptoKeyPair> {
  const algorithm =
    keyType === 'rsa'
      ? { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }
      : EC
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair
}

async function importSigningKey(pem: string): Promise<CryptoKey> {
  const key = createPrivateKey(pem)
  const algorithm = key.asymmetricKeyType === 'rsa' ? RSA : EC
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' })
  return (await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign'])) as CryptoKey
}

/**
 * Creates an X.509 v3 certificate (self-signed, or signed by `issuer`) with a fresh key pair, with
 * `@peculiar/x509` on Node's WebCrypto: no OpenSSL command, so it works on any machine offline.
 */
export async function createCertificate(options: CertificateOptions): Promise<CertificateAndKey> {
  const x509 = await library()
  const keys = await generateKeyPair(options.keyType)
  const subject = new x509.Name([{ CN: [{ utf8String: options.commonName }] }])
  const subjectKeyId = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)

  let issuerName = subject
  let issuerKeyId = subjectKeyId.keyId
  let signingKey = keys.privateKey
  if (options.issuer) {
    const ca = new x509.X509Certificate(options.issuer.cert)
    const caKeyId =
      ca.getExtension(x509.SubjectKeyIdentifierExtension) ??
      (await x509.SubjectKeyIdentifierExtension.create(ca.publicKey))
    issuerName = ca.subjectName
    issuerKeyId = caKeyId.keyId
    signingKey = await importSigningKey(options.issuer.key)
  }

  const usages = options.isCa
    ? x509.KeyUsageFlags.digitalSignature |
      x509.KeyUsageFlags.keyCertSign |
      x509.KeyUsageFlags.cRLSign
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
  const extensions: InstanceType<X509['Extension']>[] = [
    new x509.BasicConstraintsExtension(options.isCa === true, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    subjectKeyId,
    new x509.AuthorityKeyIdentifierExtension(issuerKeyId),
  ]
  if (!options.isCa) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    )
  }
  if (options.altNames?.length) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.altNames.map((value) => ({
          type: isIP(value) ? ('ip' as const) : ('dns' as const),
          value,
        })),
      ),
    )
  }

  const now = Date.now()
  const certificate = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuerName,
    publicKey: keys.publicKey,
    signingKey,
    notBefore: options.notBefore ?? new Date(now - 60_000),
    notAfter: options.notAfter ?? new Date(now + (options.days ?? 365) * 86_400_000),
    extensions,
  })
  return {
    cert: `${certificate.toString('pem')}\n`,
    key: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}
