import { spawn } from 'node:child_process'
import { IdwebError } from '../errors.ts'

/**
 * Where, in the Secret Service (libsecret: GNOME Keyring, KWallet), the cache is kept: the item
 * whose `service` and `account` attributes are these, under libsecret's generic schema. That is
 * the item `@azure/msal-node-extensions`' `LibSecretPersistence` (keytar) reads for the same
 * service and account names, and MSAL Python's `LibsecretPersistence` for
 * `schema_name="org.freedesktop.Secret.Generic"` and those attributes.
 */
export interface KeyringEntry {
  /** Default `idweb`. */
  service: string
  /** Default: the cache file's path. */
  account: string
}

/** libsecret's generic schema, keytar's. */
const SCHEMA = 'org.freedesktop.Secret.Generic'
const PROBE_MS = 5000
const CALL_MS = 30_000

type Env = Readonly<Record<string, string | undefined>>

/**
 * The Secret Service through libsecret's own command, `secret-tool` (package libsecret-tools):
 * no native module to build. The secret goes through stdin and stdout, never the command line.
 */
export class SecretServiceKeyring {
  readonly #entry: KeyringEntry
  readonly #env: Env

  constructor(entry: KeyringEntry, env: Env = process.env) {
    this.#entry = entry
    this.#env = env
  }

  /**
   * Whether a keyring answers here: on Linux, with a session bus, `secret-tool` installed and the
   * Secret Service replying (a lookup of an absent item) within 5 s. A headless box has none.
   */
  static async available(env: Env = process.env): Promise<boolean> {
    if (process.platform !== 'linux' || !env.DBUS_SESSION_BUS_ADDRESS) return false
    const probe = await run(
      ['lookup', 'xdg:schema', SCHEMA, 'service', 'idweb-probe', 'account', 'probe'],
      env,
      undefined,
      PROBE_MS,
    ).catch(() => undefined)
    // Absent item: exit 1 and nothing said. Any complaint means no usable Secret Service.
    return probe !== undefined && (probe.code === 0 || probe.code === 1) && probe.stderr === ''
  }

  /** The cache text, or `undefined` when the keyring holds none. */
  async load(): Promise<string | undefined> {
    const answer = await run(['lookup', ...this.#attributes()], this.#env, undefined, CALL_MS)
    if (answer.code === 0) return answer.stdout
    if (answer.code === 1 && answer.stderr === '') return undefined
    throw unavailable('read', answer.stderr)
  }

  /** Replaces the cache text. */
  async save(text: string): Promise<void> {
    const label = `--label=Token cache (${this.#entry.service})`
    const answer = await run(['store', label, ...this.#attributes()], this.#env, text, CALL_MS)
    if (answer.code !== 0) throw unavailable('write', answer.stderr)
  }

  #attributes(): string[] {
    return ['xdg:schema', SCHEMA, 'service', this.#entry.service, 'account', this.#entry.account]
  }
}

function unavailable(what: string, stderr: string): IdwebError {
  return new IdwebError(
    'IDW_STORE_UNAVAILABLE',
    `Cannot ${what} the token cache in the keyring: ${stderr.trim().split('\n')[0] || 'secret-tool failed'}. Unlock the keyring, or set IDWEB_CACHE_ENCRYPTION=none to keep the cache in a plaintext file.`,
  )
}

interface Answer {
  code: number | null
  stdout: string
  stderr: string
}

function run(args: string[], env: Env, input: string | undefined, timeoutMs: number) {
  return new Promise<Answer>((resolve, reject) => {
    const child = spawn('secret-tool', args, {
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: timeoutMs,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}
