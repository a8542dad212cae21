import { X509Certificate } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DevIdpError } from '../errors.ts'
import { createCertificate } from './x509.ts'

/** PEMs of the local CA and of the server certificate it signed. */
export interface LocalCertificates {
  /** The CA certificate to trust (`NODE_EXTRA_CA_CERTS`). */
  ca: string
  cert: string
  key: string
}

const CA_NAME = 'idweb dev-idp local CA'
const HOSTS = ['localhost', '127.0.0.1', '::1']

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

/** Whether a stored CA can keep issuing: a self-signed CA certificate valid past tomorrow. */
function caUsable(caPem: string): boolean {
  try {
    const ca = new X509Certificate(caPem)
    return ca.ca && ca.verify(ca.publicKey) && Date.parse(ca.validTo) > Date.now() + 86_400_000
  } catch {
    return false
  }
}

function usable(certPem: string | undefined, caPem: string | undefined): boolean {
  if (!certPem || !caPem) return false
  try {
    const cert = new X509Certificate(certPem)
    const ca = new X509Certificate(caPem)
    const tomorrow = Date.now() + 86_400_000
    return (
      cert.verify(ca.publicKey) &&
      Date.parse(cert.validTo) > tomorrow &&
      Date.parse(ca.validTo) > tomorrow &&
      cert.checkHost('localhost') !== undefined &&
      cert.checkIP('127.0.0.1') !== undefined
    )
  } catch {
    return false
  }
}

/**
 * The CA and server certificate under `{dir}/.dev-idp/`: reused when present and valid, created
 * otherwise (the CA is kept so that a trusted CA stays trusted across starts).
 */
export async function ensureLocalCertificates(dir: string): Promise<LocalCertificates> {
  const folder = join(dir, '.dev-idp')
  const paths = {
    ca: join(folder, 'ca.pem'),
    caKey: join(folder, 'ca-key.pem'),
    cert: join(folder, 'server.pem'),
    key: join(folder, 'server-key.pem'),
  }
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 })
    await writeFile(join(folder, '.gitignore'), '*\n')
    let ca = await readIfExists(paths.ca)
    let caKey = await readIfExists(paths.caKey)
    const cert = await readIfExists(paths.cert)
    const key = await readIfExists(paths.key)
    if (usable(cert, ca) && key && ca && cert) return { ca, cert, key }
    if (!ca || !caKey || !caUsable(ca)) {
      const created = await createCertificate({ commonName: CA_NAME, isCa: true, days: 3650 })
      ca = created.cert
      caKey = created.key
      await writeFile(paths.ca, ca)
      await writeFile(paths.caKey, caKey, { mode: 0o600 })
    }
    const server = await createCertificate({
      commonName: 'localhost',
      altNames: HOSTS,
      issuer: { cert: ca, key: caKey, commonName: CA_NAME },
      days: 365,
    })
    await writeFile(paths.cert, server.cert)
    await writeFile(paths.key, server.key, { mode: 0o600 })
    return { ca, cert: server.cert, key: server.key }
  } catch (cause) {
    throw new DevIdpError(
      'DEV_IDP_HTTPS_FAILED',
      `cannot create or read the local CA in ${folder}`,
      { cause },
    )
  }
}
