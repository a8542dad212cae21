import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { ConfigError, IdwebError } from '../errors.ts'
import { type Logger, silentLogger } from '../logger.ts'
import { alive, type CacheFileLockOptions, lockCacheFile } from './file-lock.ts'
import { type KeyringEntry, SecretServiceKeyring } from './keyring.ts'

/** Options of {@link CacheFile}. */
export interface CacheFileOptions extends CacheFileLockOptions {
  /** Where the one-time plaintext warning goes. Default: no logging. */
  logger?: Logger
  /**
   * Where the tokens live. `auto` (the default): in the keyring where one answers (libsecret's
   * Secret Service on Linux, through `secret-tool`), the file then holding no secret and only
   * signalling changes, as MSAL's libsecret persistences do; else in the file itself, plaintext
   * with mode 0600, with a warning once per process. `keyring` requires the keyring; `none`
   * keeps the file plaintext (what MSAL's plain `FilePersistence` reads).
   */
  encryption?: 'auto' | 'keyring' | 'none'
  /** Refuse plaintext (`IDWEB_CACHE_REQUIRE_ENCRYPTION=1`): the same as `encryption: 'keyring'`. */
  requireEncryption?: boolean
  /** The keyring item: `service` (default `idweb`) and `account` (default: the file's path). */
  keyring?: Partial<KeyringEntry>
  /** The environment `secret-tool` runs in (its D-Bus session). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
}

/** What identifies a version of the file on disk: it changed when any of these did. */
interface Version {
  ino: number
  size: number
  mtimeMs: number
}

const EMPTY = '{}'

/**
 * One token cache file in MSAL's unified schema (`Account`, `IdToken`, `AccessToken`,
 * `RefreshToken`, `AppMetadata`), the file MSAL's persistence extensions read and write:
 * `@azure/msal-node-extensions`' `FilePersistence` and MSAL Python's `msal_extensions`.
 *
 * - Changes go through {@link CacheFile.update}: under the cross-process lock, the newest text is
 *   read, changed, and written atomically (a temporary file beside it, fsync, rename). A process
 *   killed mid-write leaves the previous text, never half of the new one. The file is 0600, in a
 *   0700 folder.
 * - {@link CacheFile.read} reads the file only when it changed on disk (inode, size or mtime, as the
 *   MSAL extensions decide), else answers what it read last.
 * - In a keyring where one answers (see {@link CacheFileOptions.encryption}), else plaintext, as
 *   the Azure CLI's is on a headless Linux, with a warning once per process; `requireEncryption`
 *   refuses plaintext instead.
 *
 * @example
 * ```ts
 * const file = new CacheFile(`${homedir()}/.idweb/cache.json`)
 * const json = await file.read()
 * await file.update((current) => addTokens(current))
 * ```
 */
export class CacheFile {
  /** The cache file's path. */
  readonly path: string
  readonly #options: CacheFileOptions
  readonly #logger: Logger
  #text = EMPTY
  #version: Version | undefined
  #keyring: Promise<SecretServiceKeyring | undefined> | undefined
  static #warned = false

  constructor(path: string, options: CacheFileOptions = {}) {
    if (options.requireEncryption && options.encryption === 'none') {
      throw new ConfigError(
        'IDWEB_CACHE_REQUIRE_ENCRYPTION',
        'is set, and the cache file is configured without encryption: unset one of them.',
      )
    }
    this.path = path
    this.#options = options
    this.#logger = options.logger ?? silentLogger
  }

  /** Whether the tokens are in the keyring (`true`) or in the file itself. */
  async encrypted(): Promise<boolean> {
    return (await this.#store()) !== undefined
  }

  #store(): Promise<SecretServiceKeyring | undefined> {
    this.#keyring ??= this.#chooseStore()
    return this.#keyring
  }

  async #chooseStore(): Promise<SecretServiceKeyring | undefined> {
    const o = this.#options
    const required = o.requireEncryption || o.encryption === 'keyring'
    const env = o.env ?? process.env
    if (o.encryption === 'none') return undefined
    // A file that already holds tokens in plaintext stays so unless the keyring is required:
    // another tool may read it, and it is never emptied behind the user's back.
    if (!required && (await holdsTokens(this.path))) return undefined
    if (await SecretServiceKeyring.available(env)) {
      return new SecretServiceKeyring(
        { service: o.keyring?.service ?? 'idweb', account: o.keyring?.account ?? this.path },
        env,
      )
    }
    if (!required) return undefined
    throw new ConfigError(
      'IDWEB_CACHE_REQUIRE_ENCRYPTION',
      `is set, and no keyring answers here for the token cache ${this.path} (libsecret's Secret Service, through secret-tool): unlock or install one, or unset it to keep the file in plaintext (mode 0600), as the Azure CLI does on a machine without a keyring.`,
    )
  }

  /** The file's MSAL JSON (`{}` when there is none, or when it is empty). */
  async read(): Promise<string> {
    const keyring = await this.#store()
    const now = await versionOf(this.path)
    if (this.#version && now && sameVersion(now, this.#version)) return this.#text
    if (keyring) {
      // The file only signals a change: the text is in the keyring. A plaintext file moves
      // there with the next change (and only then is the file emptied).
      const text = (await keyring.load()) ?? (await plaintextOf(this.path))
      this.#text = text === undefined || text.trim() === '' ? EMPTY : text
      this.#version = now
      return this.#text
    }
    if (now === undefined) {
      this.#text = EMPTY
      this.#version = undefined
      return EMPTY
    }
    const text = await readFile(this.path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return ''
      throw new IdwebError(
        'IDW_STORE_UNAVAILABLE',
        `Cannot read the token cache ${this.path} (${err.code ?? err.message}).`,
        {
          cause: err,
        },
      )
    })
    this.#text = text.trim() === '' ? EMPTY : text
    this.#version = now
    return this.#text
  }

  /** Whether the file changed on disk since this process last read or wrote it. */
  async changed(): Promise<boolean> {
    const now = await versionOf(this.path)
    if (now === undefined || this.#version === undefined) return now !== this.#version
    return !sameVersion(now, this.#version)
  }

  /**
   * Changes the file under the cross-process lock: `change` gets its newest text and returns the
   * next (the same text writes nothing). Resolves the text now on disk.
   */
  async update(change: (current: string) => string | Promise<string>): Promise<string> {
    // The lock file sits beside the cache file: the folder comes first.
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 })
    const lock = await lockCacheFile(this.path, {
      ...this.#options,
      onWait: (pid) =>
        this.#logger.debug('waiting for the token cache lock', {
          holder: pid ?? 'unknown',
          path: this.path,
        }),
    })
    try {
      const current = await this.read()
      const next = await change(current)
      if (next === current) return current
      const keyring = await this.#store()
      if (keyring) await keyring.save(next)
      // With a keyring the file holds `{}`, and its new mtime tells the other processes.
      await this.#write(keyring ? EMPTY : next, keyring === undefined)
      this.#text = next
      return next
    } finally {
      await lock.release()
    }
  }

  async #write(text: string, plaintext: boolean): Promise<void> {
    if (plaintext && !CacheFile.#warned) {
      CacheFile.#warned = true
      this.#logger.warn(
        'the token cache file is not encrypted (no keyring here): it is readable by this user only (0600)',
        { path: this.path },
      )
    }
    await removeOrphans(dirname(this.path), basename(this.path))
    const temporary = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      const handle = await open(temporary, 'wx', 0o600)
      try {
        await handle.writeFile(text)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temporary, this.path)
      await chmod(this.path, 0o600)
    } catch (err) {
      await unlink(temporary).catch(() => {})
      throw new IdwebError('IDW_STORE_UNAVAILABLE', `Cannot write the token cache ${this.path}.`, {
        cause: err,
      })
    }
    this.#version = await versionOf(this.path)
  }
}

/** The file's text when it holds a cache in plaintext (anything but nothing or `{}`). */
async function plaintextOf(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const bare = text.trim()
  return bare === '' || bare === EMPTY ? undefined : text
}

async function holdsTokens(path: string): Promise<boolean> {
  return (await plaintextOf(path)) !== undefined
}

/** Temporary files of writers that died mid-write (they hold tokens): removed. */
async function removeOrphans(folder: string, name: string): Promise<void> {
  const entries = await readdir(folder).catch(() => [] as string[])
  for (const entry of entries) {
    const match = /^(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(entry)
    if (!match || match[1] !== name) continue
    const pid = Number(match[2])
    if (!alive(pid)) await unlink(join(folder, entry)).catch(() => {})
  }
}

async function versionOf(path: string): Promise<Version | undefined> {
  try {
    const s = await stat(path)
    return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs }
  } catch {
    return undefined
  }
}

function sameVersion(a: Version, b: Version): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs
}
