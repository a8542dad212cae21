import { fileURLToPath } from 'node:url'
import { AuthenticationHandlerOptions } from '@microsoft/microsoft-graph-client'
import express, { type Express, type Request } from 'express'
import {
  consoleLogger,
  createIdweb,
  type Idweb,
  type Logger,
  loadAppSettings,
  type TokenCache,
} from 'idweb'
import { authorizeForScopes, errorHandler, idwebMiddleware, requireUser } from 'idweb/express'
import { consentBeyondSignIn, pageScopes } from './consent.ts'
import { sameOriginWrites } from './csrf.ts'
import { notFound, showErrors } from './errors.ts'
import type { LayoutContext } from './layout.ts'
import {
  type ApiProfile,
  colleaguesPage,
  type GraphUser,
  homePage,
  profilePage,
  signOutPage,
  type Todo,
  todosPage,
} from './pages.ts'
import { type Listening, listenOnLoopback, portFrom } from './server.ts'
import { addTodo, deleteTodo } from './todo-forms.ts'

/** Graph permission of the colleagues page, asked for only when the page is first opened. */
export const COLLEAGUES_SCOPE = 'User.ReadBasic.All'

/** Options of {@link createWebApp}. */
export interface WebAppOptions {
  /** `appsettings.json` path or its parsed content. Default: the file next to this package. */
  settings?: string | Readonly<Record<string, unknown>>
  /**
   * Environment for `AzureAd__*`, `DownstreamApis__*`, `Idweb__*` overrides, `NODE_ENV`,
   * `WEB_PORT` and `TRUST_PROXY`. Default `process.env`.
   */
  env?: Readonly<Record<string, string | undefined>>
  /** TCP port; `0` picks a free one. Default `WEB_PORT`, else 3000. */
  port?: number
  /** Express `trust proxy` (e.g. `loopback` behind a local TLS proxy). Default `TRUST_PROXY`, else off. */
  trustProxy?: boolean | string
  /**
   * The token cache. Default: the one `Idweb.TokenCache.Store` names (`Idweb__TokenCache__Store`
   * in the environment): this process's memory unless a shared store is named.
   */
  cache?: TokenCache
  /** Default: the console, prefixed `webapp`. */
  logger?: Logger
}

/** A running web app. */
export interface WebApp extends Listening {
  readonly app: Express
  readonly idweb: Idweb
}

const DEFAULT_SETTINGS = fileURLToPath(new URL('../appsettings.json', import.meta.url))

/**
 * The reference web app: sign-in and sign-out, a profile from Microsoft Graph, a todo list kept by
 * the todo API, and a page needing one more Graph permission (incremental consent).
 *
 * @example
 * ```ts
 * const web = await createWebApp({ port: 0, env: { AzureAd__Instance: `${idp.url}/` } })
 * console.log(web.url) // http://localhost:54321
 * await web.close()
 * ```
 */
export async function createWebApp(options: WebAppOptions = {}): Promise<WebApp> {
  const env = options.env ?? process.env
  const logger = options.logger ?? consoleLogger('webapp')
  const idweb = createIdweb(loadAppSettings(options.settings ?? DEFAULT_SETTINGS, { env }), {
    ...(options.cache ? { cache: options.cache } : {}),
    logger,
    env,
  })
  // A shared store named in the settings must be reachable before the app takes requests.
  await idweb.ready()

  const app = express()
  app.disable('x-powered-by')
  const trustProxy = options.trustProxy ?? env.TRUST_PROXY
  if (trustProxy !== undefined && trustProxy !== '') app.set('trust proxy', trustProxy)

  // A cross-site link to GET /signout must not sign anyone out: show a button that posts instead.
  app.get(idweb.config.signOutPath, (_req, res) => {
    res.set('cache-control', 'no-store').type('html').send(signOutPage())
  })
  // The provider posts to these itself, from its own origin or from its server: the callback is
  // protected by `state`, a back-channel logout by its signed logout token.
  app.use(sameOriginWrites([idweb.config.callbackPath, idweb.config.backchannelLogoutPath]))
  app.use(idwebMiddleware(idweb))
  app.use(express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }))

  const consent = consentBeyondSignIn(idweb.config, pageScopes(idweb.config, COLLEAGUES_SCOPE))
  app.get('/', (req, res) => {
    res.type('html').send(homePage(layoutOf(req), req.identity.claims, consent))
  })

  app.get(
    '/profile',
    requireUser(),
    authorizeForScopes([], async (req, res) => {
      const graph = await req.identity.graph()
      const me = (await graph.api('/me').get()) as GraphUser
      res.type('html').send(profilePage(layoutOf(req), me))
    }),
  )

  // Every session of the account, on every instance and in every browser, ends; the provider's
  // own session is left alone (the header's "Sign out" ends that too).
  app.post('/signout-everywhere', requireUser(), async (req, res, next) => {
    try {
      const user = req.identity.user
      if (user) await idweb.signOutEverywhere(user)
      res.redirect(303, '/')
    } catch (err) {
      next(err)
    }
  })

  app.get(
    '/todos',
    requireUser(),
    authorizeForScopes([], async (req, res) => {
      const [todos, apiSees] = await Promise.all([
        req.identity.callApi<Todo[]>('TodoApi', { relativePath: 'todos' }),
        // The API calls Graph for the user; if it needs their consent for that, this page
        // re-challenges (prompt=consent) and comes back here.
        req.identity.callApi<ApiProfile>('TodoApi', { relativePath: 'me' }),
      ])
      res.type('html').send(todosPage(layoutOf(req), todos, { apiSees }))
    }),
  )
  app.post('/todos', requireUser(), authorizeForScopes([], addTodo(layoutOf)))
  app.post('/todos/:id/delete', requireUser(), authorizeForScopes([], deleteTodo(layoutOf)))

  app.get(
    '/colleagues',
    requireUser(),
    authorizeForScopes([COLLEAGUES_SCOPE], async (req, res) => {
      const graph = await req.identity.graph()
      const users = (await graph
        .api('/users')
        .middlewareOptions([
          new AuthenticationHandlerOptions(undefined, { scopes: [COLLEAGUES_SCOPE] }),
        ])
        .get()) as { value?: GraphUser[] }
      res.type('html').send(colleaguesPage(layoutOf(req), users.value ?? []))
    }),
  )

  app.use(notFound(layoutOf))
  app.use(showErrors(layoutOf, logger))
  // Last: re-challenges what needs sign-in or consent, answers anything else without details.
  app.use(errorHandler())

  const port = options.port ?? portFrom(env.WEB_PORT, 'WEB_PORT', 3000)
  const listening = await listenOnLoopback(app, port)
  return {
    ...listening,
    app,
    idweb,
    async close() {
      await listening.close()
      await idweb.close()
    },
  }
}

/** The layout's view of a request: who is signed in and where we are. */
export function layoutOf(req: Request): LayoutContext {
  const name = req.identity?.claims.name
  return {
    userName: req.identity?.user ? (typeof name === 'string' ? name : 'Signed in') : undefined,
    path: req.path,
  }
}
