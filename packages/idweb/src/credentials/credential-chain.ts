import type * as oauth from 'oauth4webapi'
import { ConfigError, IdwebError, ProtocolError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import {
  type ClientCredential,
  type ClientCredentialOptions,
  createClientCredential,
} from './client-credential.ts'
import type { ResolvedCredential } from './descriptions.ts'

/** One configured credential, loaded on demand and again when the provider refuses it. */
export interface CredentialSource {
  /** The setting it came from, e.g. `AzureAd.ClientCredentials[1]`: safe to log. */
  readonly setting: string
  /** Its `SourceType`, e.g. `KeyVault`. */
  readonly sourceType: string
  /** Loads it: reads the file, asks the vault, builds the assertion provider. */
  load(): ResolvedCredential | Promise<ResolvedCredential>
  /** Already loaded at startup, when loading could be done then. */
  readonly preloaded?: ResolvedCredential | undefined
}

/** Options of {@link CredentialChain}. */
export interface CredentialChainOptions extends ClientCredentialOptions {
  logger?: Logger
}

interface Loaded {
  readonly resolved: ResolvedCredential
  readonly credential: ClientCredential
}

/**
 * The app's credentials in their configured order, as Microsoft.Identity.Web uses
 * `ClientCredentials`: the first that loads is used; when the provider refuses it
 * (`invalid_client`: an expired, revoked or rotated secret or certificate), it is loaded again
 * (a renewed file, a new Key Vault version, a fresh assertion) and the request retried once;
 * refused again, or not loadable, the next entry is used, and stays in use. Logs name the entry,
 * its kind and its thumbprint, never a secret.
 *
 * @example
 * ```ts
 * const chain = new CredentialChain(sources, { logger })
 * const response = await chain.run((clientAuth) => grant(clientAuth))
 * ```
 */
export class CredentialChain {
  readonly #sources: readonly CredentialSource[]
  readonly #loaded: (Promise<Loaded> | undefined)[]
  readonly #options: ClientCredentialOptions
  readonly #logger: Logger
  #current = 0

  constructor(sources: readonly CredentialSource[], options: CredentialChainOptions = {}) {
    this.#sources = sources
    const { logger, ...credentialOptions } = options
    this.#options = credentialOptions
    this.#logger = logger ?? silentLogger
    this.#loaded = sources.map((s) =>
      s.preloaded ? Promise.resolve(this.#build(s.preloaded)) : undefined,
    )
  }

  /** Loads the credential in use now, so that a vault or identity endpoint fails at startup. */
  async ready(): Promise<void> {
    await this.run(async () => undefined)
  }

  /** Runs one token endpoint request with the credential in use, as described above. */
  async run<T>(call: (clientAuth: oauth.ClientAuth) => Promise<T>): Promise<T> {
    let last: unknown
    const skipped: string[] = []
    for (let i = this.#current; i < this.#sources.length; i++) {
      const source = this.#sources[i] as CredentialSource
      let entry: Loaded
      try {
        entry = await this.#entry(i)
      } catch (err) {
        last = err
        skipped.push(this.#skip(source, 'cannot be loaded', err))
        continue
      }
      try {
        return this.#used(i, await call(entry.credential.clientAuth))
      } catch (err) {
        if (!refused(err) && !unusable(err)) throw err
        last = err
        if (unusable(err)) {
          skipped.push(this.#skip(source, 'cannot be used', err, entry))
          continue
        }
      }
      // Refused: perhaps renewed meanwhile (a new file, a new vault version), so once more fresh.
      this.#logger.warn('the identity provider refused the client credential; loading it again', {
        ...describe(source, entry),
        reason: reason(last),
      })
      let fresh: Loaded
      try {
        fresh = await this.#reload(i, entry)
      } catch (err) {
        last = err
        skipped.push(this.#skip(source, 'cannot be loaded again', err))
        continue
      }
      if (same(fresh.resolved, entry.resolved)) {
        skipped.push(this.#skip(source, 'refused by the identity provider', last, entry))
        continue
      }
      try {
        return this.#used(i, await call(fresh.credential.clientAuth))
      } catch (err) {
        if (!refused(err) && !unusable(err)) throw err
        last = err
        skipped.push(this.#skip(source, 'refused again once reloaded', err, fresh))
      }
    }
    // Every entry failed: the next request starts over from the first, which may have recovered.
    this.#current = 0
    throw exhausted(this.#sources.length, skipped, last)
  }

  #used<T>(index: number, result: T): T {
    if (index !== this.#current) {
      this.#logger.info('client credential in use', { setting: this.#sources[index]?.setting })
      this.#current = index
    }
    return result
  }

  #skip(source: CredentialSource, why: string, err: unknown, entry?: Loaded): string {
    const fields = { ...describe(source, entry), reason: reason(err) }
    this.#logger.warn(`client credential skipped: it ${why}`, fields)
    return `${source.setting} (${source.sourceType}) ${why}: ${fields.reason}`
  }

  #entry(index: number): Promise<Loaded> {
    let loaded = this.#loaded[index]
    if (loaded === undefined) {
      const source = this.#sources[index] as CredentialSource
      loaded = Promise.resolve()
        .then(() => source.load())
        .then((resolved) => this.#build(resolved))
      // A failed load is tried again by the next request, not remembered.
      loaded.catch(() => {
        if (this.#loaded[index] === loaded) this.#loaded[index] = undefined
      })
      this.#loaded[index] = loaded
      this.#logger.debug('client credential loading', { setting: source.setting })
    }
    return loaded
  }

  /** Loads entry `index` again unless another request already did since `stale` was read. */
  async #reload(index: number, stale: Loaded): Promise<Loaded> {
    const current = await this.#loaded[index]?.catch(() => undefined)
    if (current !== undefined && current !== stale) return current
    this.#loaded[index] = undefined
    return this.#entry(index)
  }

  #build(resolved: ResolvedCredential): Loaded {
    return { resolved, credential: createClientCredential(resolved, this.#options) }
  }
}

/** The provider refused the client's authentication: the credential is wrong, expired or gone. */
function refused(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError && err.error === 'invalid_client'
}

/** The credential could not produce its proof (an assertion provider failed, a key is unusable). */
function unusable(err: unknown): boolean {
  return (
    err instanceof IdwebError &&
    !(err instanceof ProtocolError) &&
    (err.code === 'IDW_CREDENTIAL_INVALID' || err.code === 'IDW_CONFIG_INVALID')
  )
}

function same(a: ResolvedCredential, b: ResolvedCredential): boolean {
  if (a.kind === 'certificate' && b.kind === 'certificate')
    return a.certificate.thumbprintSha256 === b.certificate.thumbprintSha256
  if (a.kind === 'client_secret' && b.kind === 'client_secret')
    return a.secret.reveal() === b.secret.reveal()
  // An assertion is fetched anew for every request: worth the retry.
  return false
}

function describe(source: CredentialSource, entry?: Loaded): Record<string, string> {
  const fields: Record<string, string> = {
    setting: source.setting,
    sourceType: source.sourceType,
  }
  const resolved = entry?.resolved
  if (resolved) fields.kind = resolved.kind
  if (resolved?.kind === 'certificate') {
    fields.thumbprint = resolved.certificate.thumbprintSha1
    fields.notAfter = resolved.certificate.notAfter
  }
  if (resolved?.kind === 'signed_assertion') fields.source = resolved.source
  return fields
}

/** The first line of an error's message: provider descriptions carry trace ids on later lines. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return text.split(/\r?\n/, 1)[0]?.slice(0, 300) ?? ''
}

function exhausted(count: number, skipped: readonly string[], last: unknown): IdwebError {
  const list = skipped.join('; ')
  const message =
    count === 1
      ? `The app's client credential did not work: ${list}.`
      : `None of the app's ${count} client credentials worked: ${list}.`
  if (refused(last)) {
    return new ProtocolError(last, `${message} Check the credential in the app registration.`, {
      cause: last,
      code: 'IDW_CREDENTIAL_INVALID',
    })
  }
  if (last instanceof ConfigError && count === 1) return last
  return new IdwebError('IDW_CREDENTIAL_INVALID', message, { cause: last })
}
