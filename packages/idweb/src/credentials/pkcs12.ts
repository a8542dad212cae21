import { createRequire } from 'node:module'
import { ConfigError } from '../errors.ts'

/** The PKCS#12 parser idweb uses for PFX files: an optional peer, loaded on the first PFX. */
export const PKCS12_PACKAGE = 'node-forge'

type Forge = typeof import('node-forge')

let forge: Forge | undefined

/** Loads node-forge synchronously (it is CommonJS); a missing one names the setting. */
function loadForge(setting: string): Forge {
  if (forge) return forge
  try {
    forge = createRequire(import.meta.url)(PKCS12_PACKAGE) as Forge
    return forge
  } catch (err) {
    if ((err as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
      throw new ConfigError(
        setting,
        `is a PFX/PKCS#12 certificate, which needs the optional package ${PKCS12_PACKAGE}: run \`npm install ${PKCS12_PACKAGE}\` (or convert it to PEM with \`openssl pkcs12 -in cert.pfx -nodes -out cert.pem\`).`,
        { cause: err },
      )
    }
    throw err
  }
}

/**
 * Opens a PFX/PKCS#12 file and returns its private key and certificates as one PEM bundle (key
 * first, then every certificate), for the PEM loader to check. Handles what Windows, OpenSSL and
 * Key Vault export: the legacy 3DES and RC2-40 encryption with SHA-1 MACs, and AES-256-CBC with
 * PBKDF2 and SHA-256 MACs. No password is the empty password, as Key Vault's PFX secrets have.
 *
 * @throws ConfigError naming `setting`: a wrong password, no key, not a PFX.
 * @example
 * ```ts
 * const pem = pfxToPem(readFileSync('cert.pfx'), 'pw', 'AzureAd.ClientCredentials[0]')
 * ```
 */
export function pfxToPem(bytes: Uint8Array, password: string | undefined, setting: string): string {
  const f = loadForge(setting)
  let p12: import('node-forge').pkcs12.Pkcs12Pfx
  try {
    const asn1 = f.asn1.fromDer(Buffer.from(bytes).toString('binary'))
    p12 = f.pkcs12.pkcs12FromAsn1(asn1, password ?? '')
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const wrongPassword = /MAC could not be verified|wrong password|Invalid password/i.test(message)
    throw new ConfigError(
      setting,
      wrongPassword
        ? `the PFX cannot be opened with ${password ? 'this CertificatePassword' : 'an empty password'}: check CertificatePassword.`
        : 'is neither PEM nor a readable PFX/PKCS#12 file: export the certificate again with its private key.',
      { cause: err },
    )
  }
  type Bag = import('node-forge').pkcs12.Bag & { asn1?: import('node-forge').asn1.Asn1 }
  const bags = (oid: string | undefined): Bag[] =>
    oid === undefined ? [] : (p12.getBags({ bagType: oid })[oid] ?? [])
  const { oids } = f.pki
  const keyBags = [...bags(oids.pkcs8ShroudedKeyBag), ...bags(oids.keyBag)]
  const certBags = bags(oids.certBag)
  const der = (node: import('node-forge').asn1.Asn1) =>
    Buffer.from(f.asn1.toDer(node).getBytes(), 'binary').toString('base64')
  const pem = (label: string, base64: string) =>
    `-----BEGIN ${label}-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`
  const keys = keyBags.flatMap((bag) => {
    // RSA keys come back parsed, other kinds (EC) as their PrivateKeyInfo.
    if (bag.key) return [der(f.pki.wrapRsaPrivateKey(f.pki.privateKeyToAsn1(bag.key)))]
    return bag.asn1 ? [der(bag.asn1)] : []
  })
  const certificates = certBags.flatMap((bag) => {
    if (bag.cert) return [der(f.pki.certificateToAsn1(bag.cert))]
    return bag.asn1 ? [der(bag.asn1)] : []
  })
  if (keys.length === 0) {
    throw new ConfigError(
      setting,
      'the PFX holds no private key: export the certificate with its private key ("Yes, export the private key").',
    )
  }
  return [
    pem('PRIVATE KEY', keys[0] ?? ''),
    ...certificates.map((c) => pem('CERTIFICATE', c)),
  ].join('')
}
