#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { demo } from './directory/demo.ts'
import type { DevIdpLogEntry } from './options.ts'
import { startDevIdp } from './server.ts'

const usage = `Usage: idweb-dev-idp [--port 4000] [--host localhost|127.0.0.1] [--https]
                     [--directory ./directory.json] [--rotate-refresh-tokens]
                     [--issuer-in-auth-response] [--seed text] [--verbose]

Environment: IDWEB_DEV_IDP_DIRECTORY (directory file), PORT`

function log(verbose: boolean) {
  return (entry: DevIdpLogEntry) => {
    if (entry.level === 'debug' && !verbose) return
    const fields = entry.fields ? ` ${JSON.stringify(entry.fields)}` : ''
    const line = `[dev-idp] ${entry.level} ${entry.message}${fields}`
    if (entry.level === 'error' || entry.level === 'warn') console.error(line)
    else console.log(line)
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      https: { type: 'boolean', default: false },
      directory: { type: 'string' },
      seed: { type: 'string' },
      'rotate-refresh-tokens': { type: 'boolean', default: false },
      'issuer-in-auth-response': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const host = values.host ?? 'localhost'
  if (host !== 'localhost' && host !== '127.0.0.1')
    throw new Error(`--host must be localhost or 127.0.0.1\n${usage}`)
  const directory = values.directory ?? process.env.IDWEB_DEV_IDP_DIRECTORY
  const idp = await startDevIdp({
    port: Number(values.port ?? process.env.PORT ?? 4000),
    host,
    https: values.https,
    rotateRefreshTokens: values['rotate-refresh-tokens'],
    issuerInAuthResponse: values['issuer-in-auth-response'],
    logger: log(values.verbose),
    ...(directory ? { directory } : {}),
    ...(values.seed ? { seed: values.seed } : {}),
  })
  console.log(`\nDevelopment identity provider (never use in production): ${idp.url}`)
  for (const tenant of idp.directory.tenants) {
    console.log(
      `  ${tenant.displayName}: authority ${idp.authority(tenant.domains[0] ?? tenant.id)}  issuer ${idp.issuer(tenant.id)}`,
    )
  }
  console.log(`  Multi-tenant: ${idp.authority('common')}`)
  if (!directory) {
    console.log(
      `  Demo users: ${Object.values(demo.users)
        .map((u) => `${u.username} / ${u.password}`)
        .join(', ')}`,
    )
  }
  if (idp.caCert) console.log('  https: trust the CA with NODE_EXTRA_CA_CERTS=.dev-idp/ca.pem')
  const stop = () => {
    void idp.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
