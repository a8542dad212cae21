import { fileURLToPath } from 'node:url'
import express, { type ErrorRequestHandler, type Express, type Request } from 'express'
import { createDaemon, type Daemon, type Logger, loadAppSettings, silentLogger } from 'idweb'
import { createBearerValidator } from 'idweb/api'
import { requireBearer } from 'idweb/express'
import { profileRoute } from './profile.ts'
import { type Listening, listenOnLoopback, portFrom } from './server.ts'
import {
  type AddRefusal,
  MAX_TITLE_LENGTH,
  MAX_TODOS_PER_USER,
  type Todo,
  TodoStore,
} from './todos.ts'

/** The delegated scope of the per-user routes (`api://<ClientId>/access_as_user`). */
export const REQUIRED_SCOPE = 'access_as_user'

/** The app role (an application permission) of `GET /todos/all`, which daemons hold. */
export const READ_ALL_ROLE = 'Todo.Read.All'

/** What `GET /todos/all` answers: every user's list, by owner (`oid.tid`). */
export interface AllTodos {
  /** One entry per user with at least one todo, in the order their lists were started. */
  owners: { owner: string; todos: Todo[] }[]
}

/** Options of {@link createTodoApi}. */
export interface TodoApiOptions {
  /** `appsettings.json` path or its parsed content. Default: the file next to this package. */
  settings?: string | Readonly<Record<string, unknown>>
  /** Environment for `AzureAd__*` overrides and `API_PORT`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** TCP port; `0` picks a free one. Default `API_PORT`, else 5000. */
  port?: number
  /** Leeway for `exp`/`nbf`/`iat`, in seconds. Default 300 (Microsoft.IdentityModel's). */
  clockToleranceSeconds?: number
  logger?: Logger
}

/** A running todo API. */
export interface TodoApi extends Listening {
  readonly app: Express
  readonly todos: TodoStore
  /** The API's own identity: on-behalf-of calls to Graph (`GET /me`), and their token cache. */
  readonly identity: Daemon
}

const DEFAULT_SETTINGS = fileURLToPath(new URL('../appsettings.json', import.meta.url))

const REFUSALS: Readonly<Record<AddRefusal, { status: number; message: string }>> = {
  title_missing: { status: 400, message: '`title` must be a non-empty string.' },
  title_too_long: {
    status: 400,
    message: `\`title\` must be at most ${MAX_TITLE_LENGTH} characters.`,
  },
  too_many_todos: {
    status: 409,
    message: `A list holds at most ${MAX_TODOS_PER_USER} todos: delete some first.`,
  },
}

/**
 * The downstream todo API of the reference web app: `GET /todos`, `POST /todos` `{ "title" }`,
 * `DELETE /todos/:id`, per user (`oid` + `tid` of the access token), protected by idweb's API side
 * with the delegated scope `access_as_user`; and, for daemons, `GET /todos/all` ({@link AllTodos}:
 * every user's todos), which needs the app role `Todo.Read.All` instead; and `GET /me`, the caller
 * as Graph knows them, fetched on their behalf (on-behalf-of; see `profileRoute`). Each kind of token is
 * refused on the other's routes (403, `WWW-Authenticate: Bearer error="insufficient_scope"`). Bad
 * input answers 4xx JSON `{ error, message }`.
 *
 * @example
 * ```ts
 * const api = await createTodoApi({ port: 0, env: { AzureAd__Instance: `${idp.url}/` } })
 * console.log(api.url) // http://localhost:54321
 * await api.close()
 * ```
 */
export async function createTodoApi(options: TodoApiOptions = {}): Promise<TodoApi> {
  const env = options.env ?? process.env
  const settings = loadAppSettings(options.settings ?? DEFAULT_SETTINGS, { env })
  const { instance, tenantId, clientId } = settings
  if (!instance || !tenantId || !clientId) {
    throw new Error(
      'appsettings.json: AzureAd.Instance, AzureAd.TenantId and AzureAd.ClientId are required',
    )
  }
  const base = instance.endsWith('/') ? instance : `${instance}/`
  const validator = createBearerValidator({
    discoveryUrl: `${base}${tenantId}/v2.0/.well-known/openid-configuration`,
    clientId,
    ...(options.clockToleranceSeconds !== undefined
      ? { clockToleranceSeconds: options.clockToleranceSeconds }
      : {}),
    logger: options.logger ?? silentLogger,
  })
  // The API's own identity (its secret in appsettings.json): it calls Graph on its callers' behalf.
  const identity = createDaemon(settings, { logger: options.logger ?? silentLogger, env })
  const todos = new TodoStore()
  const app = express()
  app.disable('x-powered-by')
  const realm = 'todo-api'
  // Routed first, so that `all` is never taken for a todo id nor checked for the delegated scope.
  app
    .route('/todos/all')
    .get(requireBearer(validator, { roles: [READ_ALL_ROLE], realm }), (_req, res) => {
      const all: AllTodos = { owners: todos.all() }
      res.json(all)
    })
    .all((_req, res) => {
      res.set('allow', 'GET, HEAD')
      res.status(405).json({ error: 'method_not_allowed', message: 'GET /todos/all only.' })
    })
  app.get(
    '/me',
    requireBearer(validator, { scopes: [REQUIRED_SCOPE], realm }),
    profileRoute(identity, realm),
  )
  app.use('/todos', requireBearer(validator, { scopes: [REQUIRED_SCOPE], realm }))
  app.use(express.json({ limit: '4kb', strict: true }))

  app.get('/todos', (req, res) => {
    res.json(todos.list(ownerOf(req)))
  })
  app.post('/todos', (req, res) => {
    if (!req.is('application/json')) {
      res.status(415).json({ error: 'unsupported_media_type', message: 'Send JSON.' })
      return
    }
    const body: unknown = req.body
    const title =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>).title
        : undefined
    if (typeof title !== 'string') {
      res.status(400).json({ error: 'invalid_request', message: REFUSALS.title_missing.message })
      return
    }
    const added = todos.add(ownerOf(req), title)
    if (!added.ok) {
      const refusal = REFUSALS[added.reason]
      res.status(refusal.status).json({ error: added.reason, message: refusal.message })
      return
    }
    res.status(201).location(`/todos/${added.todo.id}`).json(added.todo)
  })
  app.delete('/todos/:id', (req, res) => {
    const id = req.params.id
    if (!todos.remove(ownerOf(req), id)) {
      res.status(404).json({ error: 'not_found', message: 'No such todo in your list.' })
      return
    }
    res.status(204).end()
  })
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'No such endpoint.' })
  })
  app.use(jsonErrors)

  const port = options.port ?? portFrom(env.API_PORT, 'API_PORT', 5000)
  const listening = await listenOnLoopback(app, port)
  return {
    ...listening,
    app,
    todos,
    identity,
    close: async () => {
      await listening.close()
      await identity.close()
    },
  }
}

/**
 * The list a caller owns: the user's object id and tenant id. The scope check already keeps app
 * tokens out (they carry no `scp`); this keeps them out should the check ever accept a role too,
 * since an app token's `oid` is the app's service principal, not a user.
 */
function ownerOf(req: Request): string {
  const { oid, tid, isAppOnly } = req.auth ?? {}
  if (!oid || !tid || isAppOnly !== false) {
    throw Object.assign(new Error('token without a user'), { status: 403 })
  }
  return `${oid}.${tid}`
}

/** Body-parser errors (400 malformed JSON, 413 too large) and anything else, as JSON. */
const jsonErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  const status = statusOf(err)
  if (status >= 500) console.error(err)
  const error =
    status === 413
      ? 'payload_too_large'
      : status === 403
        ? 'forbidden'
        : status >= 500
          ? 'server_error'
          : 'invalid_request'
  const message =
    status === 413
      ? 'The request body is too large.'
      : status === 403
        ? 'The per-user routes need a user’s token (oid and tid); an app token owns no list.'
        : status >= 500
          ? 'Something went wrong.'
          : 'The request body is not valid JSON.'
  res.status(status).json({ error, message })
}

function statusOf(err: unknown): number {
  if (typeof err !== 'object' || err === null) return 500
  const { status } = err as { status?: unknown }
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500
}
