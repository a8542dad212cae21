// Makes throw-away certificates for tests with the openssl CLI, in a temporary directory.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestCertificate {
  dir: string
  certPem: string
  keyPem: string
  /** Key and certificate in one file. */
  bundlePath: string
  cleanup: () => void
}

export function makeCertificate(
  options: { days?: number; keyAlg?: 'rsa' | 'ec' } = {},
): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'idweb-cert-'))
  const keyPath = join(dir, 'key.pem')
  const certPath = join(dir, 'cert.pem')
  const keyArgs =
    options.keyAlg === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-newkey', 'rsa:2048']
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      String(options.days ?? 30),
      '-subj',
      '/CN=idweb-test',
    ],
    { stdio: 'ignore' },
  )
  const certPem = readFileSync(certPath, 'utf8')
  const keyPem = readFileSync(keyPath, 'utf8')
  const bundlePath = join(dir, 'bundle.pem')
  execFileSync('sh', ['-c', `cat "${keyPath}" "${certPath}" > "${bundlePath}"`])
  return {
    dir,
    certPem,
    keyPem,
    bundlePath,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** `openssl x509 -fingerprint -sha256` of the certificate, as base64url: an independent x5t#S256. */
export function opensslThumbprintSha256(certPem: string, dir: string): string {
  const out = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {
    input: certPem,
  }).toString()
  const hex = out.split('=')[1]?.trim().replaceAll(':', '') ?? ''
  void dir
  return Buffer.from(hex, 'hex').toString('base64url')
}

/** How `openssl pkcs12 -export` encrypts the PFX. */
export type PfxEncryption =
  /** OpenSSL 3's default: AES-256-CBC with PBKDF2 (HMAC-SHA256), SHA-256 MAC. */
  | 'aes'
  /** `-legacy`: RC2-40 for certificates, 3DES for the key, SHA-1 MAC (older OpenSSL, Windows). */
  | 'legacy'
  /** 3DES for both, SHA-1 MAC (Windows' "TripleDES-SHA1" export). */
  | '3des'
  /** The certificates unencrypted, a key bag without PKCS#8 encryption, no MAC. */
  | 'none'

/** A PFX of the certificate and its key, made by the openssl CLI. */
export function makePfx(
  cert: TestCertificate,
  options: { password?: string; encryption?: PfxEncryption; withoutKey?: boolean } = {},
): string {
  const encryption = options.encryption ?? 'aes'
  const pfx = join(cert.dir, `cert-${encryption}-${Math.random().toString(36).slice(2)}.pfx`)
  const extra =
    encryption === 'legacy'
      ? ['-legacy']
      : encryption === '3des'
        ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
        : encryption === 'none'
          ? ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac']
          : []
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      ...extra,
      '-in',
      join(cert.dir, 'cert.pem'),
      ...(options.withoutKey ? ['-nokeys'] : ['-inkey', join(cert.dir, 'key.pem')]),
      '-out',
      pfx,
      '-passout',
      `pass:${options.password ?? 'pw'}`,
    ],
    { stdio: 'ignore' },
  )
  return pfx
}

/** A certificate and key made elsewhere (the dev IdP's), written out as `makeCertificate` does. */
export function certificateOnDisk(c: { cert: string; key: string }, dir: string): TestCertificate {
  const sub = mkdtempSync(join(dir, 'c-'))
  writeFileSync(join(sub, 'cert.pem'), c.cert)
  writeFileSync(join(sub, 'key.pem'), c.key)
  writeFileSync(join(sub, 'bundle.pem'), `${c.key}${c.cert}`)
  return {
    dir: sub,
    certPem: c.cert,
    keyPem: c.key,
    bundlePath: join(sub, 'bundle.pem'),
    cleanup: () => rmSync(sub, { recursive: true, force: true }),
  }
}

/** One line a logger was given. */
export interface Logged {
  level: string
  message: string
  fields: Record<string, unknown> | undefined
}

/** A logger that keeps every line in `into`. */
export function recordingLogger(into: Logged[]) {
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void =>
      void into.push({ level, message, fields })
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
