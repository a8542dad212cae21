// The three servers of `npm start`, in process on ephemeral ports, wired to each other the way
// scripts/start.ts wires them: through environment overrides of the two appsettings.json files.
import { randomBytes } from 'node:crypto'
import { type DevIdp, type StartDevIdpOptions, startDevIdp } from '@idweb/dev-idp'
import { type LogFields, type Logger, MemoryStore, TokenCache } from 'idweb'
import { createTodoApi, type TodoApi } from '../../api/src/app.ts'
import { createWebApp, type WebApp, type WebAppOptions } from '../src/app.ts'

/** A logger that keeps warnings and errors, for assertions, and prints nothing. */
export interface RecordingLogger extends Logger {
  readonly lines: { level: string; message: string; fields?: LogFields | undefined }[]
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = []
  const keep = (level: string) => (message: string, fields?: LogFields) => {
    lines.push({ level, message, fields })
  }
  return { lines, debug() {}, info() {}, warn: keep('warn'), error: keep('error') }
}

export interface Stack {
  readonly idp: DevIdp
  readonly api: TodoApi
  readonly web: WebApp
  /** The web app's token cache store, to look inside. */
  readonly store: MemoryStore
  readonly logger: RecordingLogger
  /** The environment the web app was started with (for a second instance). */
  readonly env: Readonly<Record<string, string>>
  /** Another web app instance over the same environment (same session secret), empty cache. */
  startWebApp(options?: WebAppOptions): Promise<WebApp>
  close(): Promise<void>
}

export async function startStack(
  options: { idp?: StartDevIdpOptions; web?: WebAppOptions } = {},
): Promise<Stack> {
  const idp = await startDevIdp({ port: 0, ...options.idp })
  const env = {
    NODE_ENV: 'test',
    AzureAd__Instance: `${idp.url}/`,
    DownstreamApis__Graph__BaseUrl: `${idp.url}/graph/v1.0`,
  }
  const api = await createTodoApi({ port: 0, env })
  const webEnv = { ...env, DownstreamApis__TodoApi__BaseUrl: `${api.url}/` }
  const logger = recordingLogger()
  const store = new MemoryStore()
  const cache = new TokenCache({
    store,
    keys: [{ id: 'test', key: randomBytes(32) }],
    logger,
  })
  const extra: WebApp[] = []
  const startWebApp = async (more: WebAppOptions = {}) => {
    const app = await createWebApp({ port: 0, env: webEnv, logger, ...more })
    extra.push(app)
    return app
  }
  const web = await createWebApp({ port: 0, env: webEnv, logger, cache, ...options.web })
  return {
    idp,
    api,
    web,
    store,
    logger,
    env: webEnv,
    startWebApp,
    async close() {
      await Promise.allSettled([web.close(), ...extra.map((w) => w.close()), api.close()])
      await idp.close()
    },
  }
}
