// The Express example: a home page, a Microsoft Graph profile behind sign-in, and sign-out.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { consoleLogger, createIdweb, type Logger, loadAppSettings } from 'idweb'
import { authorizeForScopes, errorHandler, idwebMiddleware, requireUser } from 'idweb/express'
import { type GraphUser, homePage, profilePage } from './page.ts'

/** Options of {@link start}. */
export interface StartOptions {
  /** TCP port; `0` picks a free one. Default 3100. */
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

/** Starts the example on the loopback interface. */
export async function start(options: StartOptions = {}): Promise<Started> {
  const env = options.env ?? process.env
  const logger = options.logger ?? consoleLogger('express-example')
  const idweb = createIdweb(loadAppSettings(settingsFile, { env }), { env, logger })
  await idweb.ready()

  const app = express()
  app.disable('x-powered-by')
  app.use(idwebMiddleware(idweb)) // /signin, /signin-oidc, /signout, /signout-callback-oidc
  app.get('/', (req, res) => {
    const { user, claims } = req.identity
    res.type('html').send(homePage(user ? String(claims.name ?? '') : undefined))
  })
  app.get(
    '/profile',
    requireUser(),
    authorizeForScopes(['User.Read'], async (req, res) => {
      const me = await req.identity.callApi<GraphUser>('Graph', { relativePath: 'me' })
      res.type('html').send(profilePage(me))
    }),
  )
  app.use(errorHandler()) // re-challenges when consent is missing; never leaks a stack trace

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 3100, '127.0.0.1', (err?: Error) =>
      err ? reject(err) : resolve(s),
    )
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await idweb.close()
    },
  }
}
