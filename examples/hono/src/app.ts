// The Hono example: a home page, a Microsoft Graph profile behind sign-in, and sign-out. Only
// start() is Node's (@hono/node-server): the app itself is Web standard, for Bun and Deno too.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { consoleLogger, createIdweb, type Idweb, type Logger, loadAppSettings } from 'idweb'
import { authorizeForScopes, errorHandler, type IdwebEnv, idweb, requireUser } from 'idweb/hono'
import { type GraphUser, homePage, profilePage } from './page.ts'

/** The example's routes over an idweb app. */
export function createApp(identity: Idweb): Hono<IdwebEnv> {
  const app = new Hono<IdwebEnv>()
  app.use(idweb(identity)) // /signin, /signin-oidc, /signout, /signout-callback-oidc
  app.get('/', (c) => {
    const { user, claims } = c.get('identity')
    return c.html(homePage(user ? String(claims.name ?? '') : undefined))
  })
  app.get('/profile', requireUser(), authorizeForScopes(['User.Read']), async (c) => {
    const me = await c.get('identity').callApi<GraphUser>('Graph', { relativePath: 'me' })
    return c.html(profilePage(me))
  })
  app.onError(errorHandler()) // re-challenges when consent is missing; never leaks a stack trace
  return app
}

/** Options of {@link start}. */
export interface StartOptions {
  /** TCP port; `0` picks a free one. Default 3300. */
  port?: number
  /** Overrides of appsettings.json (`AzureAd__Instance`, ...). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** Default: the console. */
  logger?: Logger
}

/** A running example: `http://localhost:<port>`. */
export interface Started {
  readonly url: string
  close(): Promise<void>
}

const settingsFile = fileURLToPath(new URL('../appsettings.json', import.meta.url))

/** Starts the example on Node, on the loopback interface. */
export async function start(options: StartOptions = {}): Promise<Started> {
  const env = options.env ?? process.env
  const logger = options.logger ?? consoleLogger('hono-example')
  const identity = createIdweb(loadAppSettings(settingsFile, { env }), { env, logger })
  await identity.ready()
  const app = createApp(identity)
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 3300, hostname: '127.0.0.1' }, () =>
      resolve(s as Server),
    )
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await identity.close()
    },
  }
}
