import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto'
import { isIPv4 } from 'node:net'
import * as der from './der.ts'

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  cert: string
  key: string
}

interface Issuer {
  name: string
  key: KeyObject
  keyId: Buffer
}

/** Options of {@link createCertificate}. */
export interface CertificateOptions {
  commonName: string
  /** `ec` (P-256, default) or `rsa` (2048, for RS256/PS256 client assertions). */
  keyType?: 'ec' | 'rsa'
  /** A CA; `true` makes a CA certificate. */
  isCa?: boolean
  /** DNS names and IP addresses for subjectAltName (server certificates). */
  altNames?: string[]
  /** Signs with this CA instead of self-signing. */
  issuer?: CertificateAndKey & { commonName: string }
  /** Validity in days. Default 365. */
  days?: number
}

function name(commonName: string): Buffer {
  return der.sequence(der.set(der.sequence(der.oid('2.5.4.3'), der.utf8String(commonName))))
}

function signatureAlgorithm(key: KeyObject): Buffer {
  return key.asymmetricKeyType === 'rsa'
    ? der.sequence(der.oid('1.2.840.113549.1.1.11'), der.nullValue())
    : der.sequence(der.oid('1.2.840.10045.4.3.2'))
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value))
}

function altName(value: string): Buffer {
  if (isIPv4(value)) return der.implicit(7, Buffer.from(value.split('.').map(Number)))
  if (value === '::1') return der.implicit(7, Buffer.concat([Buffer.alloc(15), Buffer.from([1])]))
  return der.implicit(2, Buffer.from(value, 'ascii'))
}

function extensions(options: CertificateOptions, keyId: Buffer, issuerKeyId: Buffer): Buffer {
  const list = [
    extension('2.5.29.19', true, options.isCa ? der.sequence(der.boolean(true)) : der.sequence()),
    // keyUsage: CA = digitalSignature, keyCertSign, cRLSign; leaf = digitalSignature, keyEncipherment
    extension(
      '2.5.29.15',
      true,
      options.isCa ? der.bitString(Buffer.from([0x86]), 1) : der.bitString(Buffer.from([0xa0]), 5),
    ),
    extension('2.5.29.14', false, der.octetString(keyId)),
    extension('2.5.29.35', false, der.sequence(der.implicit(0, issuerKeyId))),
  ]
  if (!options.isCa) {
    list.push(
      extension(
        '2.5.29.37',
        false,
        der.sequence(der.oid('1.3.6.1.5.5.7.3.1'), der.oid('1.3.6.1.5.5.7.3.2')),
      ),
    )
  }
  if (options.altNames?.length) {
    list.push(extension('2.5.29.17', false, der.sequence(...options.altNames.map(altName))))
  }
  return der.explicit(3, der.sequence(...list))
}

function toPem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/**
 * Creates an X.509 v3 certificate (self-signed, or signed by `issuer`) with a fresh key pair, in
 * plain Node.js: no OpenSSL command and no dependency, so it works on any machine offline.
 */
export function createCertificate(options: CertificateOptions): CertificateAndKey {
  const { privateKey, publicKey } =
    options.keyType === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const keyId = createHash('sha1').update(spki).digest()
  const issuer: Issuer = options.issuer
    ? {
        name: options.issuer.commonName,
        key: keyFromPem(options.issuer.key),
        keyId: keyIdOf(options.issuer.cert),
      }
    : { name: options.commonName, key: privateKey, keyId }
  const now = Date.now()
  const serial = randomBytes(16)
  serial[0] = (serial[0] ?? 0) & 0x7f
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(serial),
    signatureAlgorithm(issuer.key),
    name(issuer.name),
    der.sequence(
      der.time(new Date(now - 60_000)),
      der.time(new Date(now + (options.days ?? 365) * 86_400_000)),
    ),
    name(options.commonName),
    spki,
    extensions(options, keyId, issuer.keyId),
  )
  const signature = sign('sha256', tbs, issuer.key)
  const certificate = der.sequence(tbs, signatureAlgorithm(issuer.key), der.bitString(signature))
  return {
    cert: toPem('CERTIFICATE', certificate),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

function keyFromPem(pem: string): KeyObject {
  return createPrivateKey(pem)
}

function keyIdOf(certPem: string): Buffer {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha1').update(spki).digest()
}
