import type { CredentialSource } from '../credentials/credential-chain.ts'
import type { CredentialDescription } from '../credentials/descriptions.ts'
import { credentialSource } from '../credentials/sources.ts'
import { ConfigError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { IdwebOptions } from './options.ts'

/**
 * The app's credentials in their configured order: `clientCredentials`, then `clientSecret`.
 * Each is checked for its shape, and loaded when it can be loaded now. An entry that cannot be
 * loaded is reported and skipped when another follows; when it is the only one, or when none
 * loads and none is left to load later (a Key Vault certificate), startup fails naming it.
 */
export function resolveCredentials(
  input: IdwebOptions,
  name: (path: string) => string,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): CredentialSource[] {
  const descriptions: { description: CredentialDescription; path: string }[] = []
  if (input.clientCredentials !== undefined) {
    if (!Array.isArray(input.clientCredentials))
      throw new ConfigError(name('clientCredentials'), 'must be an array.')
    input.clientCredentials.forEach((description, i) => {
      if (typeof description !== 'object' || description === null)
        throw new ConfigError(
          name(`clientCredentials[${i}]`),
          'must be an object with a sourceType.',
        )
      descriptions.push({ description, path: `clientCredentials[${i}]` })
    })
  }
  if (input.clientSecret !== undefined) {
    descriptions.push({
      description: { sourceType: 'ClientSecret', clientSecret: input.clientSecret },
      path: '',
    })
  }
  if (input.allowPublicClient !== undefined && typeof input.allowPublicClient !== 'boolean') {
    throw new ConfigError(name('allowPublicClient'), 'must be true or false.')
  }
  if (descriptions.length === 0 && input.allowPublicClient !== true) {
    throw new ConfigError(
      name('clientSecret'),
      `is missing, and so is any other credential: a web app redeeming authorization codes must prove its identity. Add a client secret (app registration > Certificates & secrets), or a certificate under ${name('clientCredentials')}; if the registration is a public client, set ${name('allowPublicClient')} to true.`,
    )
  }
  if (input.sendX5c !== undefined && typeof input.sendX5c !== 'boolean')
    throw new ConfigError(name('sendX5c'), 'must be true or false.')
  const failures: { setting: string; error: unknown }[] = []
  const sources = descriptions.map(({ description, path }, i) => {
    const field = (f: string) => (path === '' ? name(f) : name(`${path}.${f}`))
    const setting = path === '' ? name('clientSecret') : name(path)
    const { source, loadError } = credentialSource(description, {
      name: field,
      env: { ...env },
      logger,
      sendX5c: input.sendX5c === true,
      setting,
      hasNext: i < descriptions.length - 1,
    })
    if (loadError !== undefined) {
      if (descriptions.length === 1) throw loadError
      failures.push({ setting, error: loadError })
    }
    return source
  })
  if (sources.length > 0 && failures.length === sources.length) {
    const first = failures[0]?.error
    throw new ConfigError(
      name('clientCredentials'),
      `none of the ${sources.length} credentials can be loaded: ${failures.map((f) => `${f.setting}: ${message(f.error)}`).join('; ')}`,
      { cause: first },
    )
  }
  for (const { setting, error } of failures) {
    logger.warn('client credential skipped at startup: it cannot be loaded', {
      setting,
      reason: message(error),
    })
  }
  return sources
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0] ?? ''
}
