import { dirname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  type CredentialDescription,
  createDaemon,
  type Daemon,
  type IdwebOptions,
  type Logger,
  loadAppSettings,
  silentLogger,
} from 'idweb'

/** One todo, as the todo API sends it. */
export interface Todo {
  readonly id: string
  readonly title: string
  /** ISO 8601. */
  readonly createdAt: string
}

/** What the todo API's `GET /todos/all` answers: every user's todos, by owner (`oid.tid`). */
export interface AllTodos {
  /** One entry per user with at least one todo. */
  owners: { owner: string; todos: Todo[] }[]
}

/** The `DownstreamApis` entry the daemon calls. */
export const TODO_API = 'TodoApi'

/** Options of {@link createTodoDaemon} and {@link runDaemon}. */
export interface DaemonOptions {
  /**
   * `appsettings.json` path or its parsed content. Default: the file next to this package. A
   * relative `CertificateDiskPath` is relative to the file's folder (to the working directory
   * for parsed content), so the daemon runs from any directory.
   */
  settings?: string | Readonly<Record<string, unknown>>
  /** Environment for `AzureAd__*` and `DownstreamApis__*` overrides. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  logger?: Logger
  /** Replaces `fetch` for the calls to the identity provider (proxies; tests that count them). */
  fetch?: typeof fetch
}

/** A started daemon: its token cache lives as long as it does. */
export interface TodoDaemon {
  /** idweb's daemon: configuration, token acquisition, downstream APIs. */
  readonly idweb: Daemon
  /** Calls `GET /todos/all` with the app's token (from the cache while it is fresh). */
  listAllTodos(): Promise<AllTodos>
  close(): Promise<void>
}

const DEFAULT_SETTINGS = fileURLToPath(new URL('../appsettings.json', import.meta.url))

/**
 * Starts the daemon: validates its settings, loads its certificate, and fetches the provider's
 * discovery document, so that a bad setting fails here, naming it, and not on the first call.
 *
 * @example
 * ```ts
 * const daemon = await createTodoDaemon({ env: { AzureAd__Instance: `${idp.url}/` } })
 * console.log(await daemon.listAllTodos()) // { owners: [{ owner: 'oid.tid', todos: [...] }] }
 * await daemon.close()
 * ```
 */
export async function createTodoDaemon(options: DaemonOptions = {}): Promise<TodoDaemon> {
  const env = options.env ?? process.env
  const source = options.settings ?? DEFAULT_SETTINGS
  const folder = typeof source === 'string' ? dirname(resolve(source)) : process.cwd()
  const settings = withPathsFrom(loadAppSettings(source, { env }), folder)
  const idweb = createDaemon(settings, {
    env,
    logger: options.logger ?? silentLogger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  try {
    await idweb.ready()
  } catch (err) {
    await idweb.close()
    throw err
  }
  return {
    idweb,
    listAllTodos: async () => allTodosOf(await idweb.callApi(TODO_API)),
    close: () => idweb.close(),
  }
}

/**
 * Runs the daemon once: gets an app token for the todo API with its certificate and returns what
 * `GET /todos/all` answers. Errors are idweb's, matched on `code`: `IDW_CREDENTIAL_INVALID` when
 * the provider refuses the certificate (`invalid_client`), `IDW_DOWNSTREAM_API_ERROR` when the API
 * refuses the token, `IDW_DOWNSTREAM_UNAVAILABLE` when it is not running.
 *
 * @example
 * ```ts
 * const { owners } = await runDaemon()
 * for (const { owner, todos } of owners) console.log(owner, todos.length)
 * ```
 */
export async function runDaemon(options: DaemonOptions = {}): Promise<AllTodos> {
  const daemon = await createTodoDaemon(options)
  try {
    return await daemon.listAllTodos()
  } finally {
    await daemon.close()
  }
}

/** The settings with each relative certificate path made absolute against `folder`. */
function withPathsFrom<T extends IdwebOptions>(settings: T, folder: string): T {
  const credentials = settings.clientCredentials
  if (credentials === undefined) return settings
  const absolute = credentials.map(
    (c): CredentialDescription =>
      c.sourceType === 'Path' && c.certificateDiskPath !== '' && !isAbsolute(c.certificateDiskPath)
        ? { ...c, certificateDiskPath: resolve(folder, c.certificateDiskPath) }
        : c,
  )
  // A spread keeps the marker loadAppSettings adds, so errors still name `AzureAd.…` settings.
  return { ...settings, clientCredentials: absolute }
}

/** `value` if it has the shape of {@link AllTodos}. */
function allTodosOf(value: unknown): AllTodos {
  const owners = (value as { owners?: unknown } | null)?.owners
  if (
    !Array.isArray(owners) ||
    !owners.every((o) => typeof o?.owner === 'string' && Array.isArray(o?.todos))
  ) {
    throw new TypeError(
      `DownstreamApis.${TODO_API} did not answer { owners: [...] }: is its RelativePath "todos/all"?`,
    )
  }
  return { owners }
}
