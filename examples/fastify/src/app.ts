// The Fastify example: a home page, a Microsoft Graph profile behind sign-in, and sign-out.
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { consoleLogger, createIdweb, type Logger, loadAppSettings } from 'idweb'
import { authorizeForScopes, idwebPlugin, requireUser } from 'idweb/fastify'
import { type GraphUser, homePage, profilePage } from './page.ts'

/** Options of {@link start}. */
export interface StartOptions {
  /** TCP port; `0` picks a free one. Default 3200. */
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
  const logger = options.logger ?? consoleLogger('fastify-example')
  const idweb = createIdweb(loadAppSettings(settingsFile, { env }), { env, logger })
  await idweb.ready()

  const app = Fastify()
  // /signin, /signin-oidc, /signout, /signout-callback-oidc, request.identity, the error handler.
  await app.register(idwebPlugin, { idweb })
  app.get('/', async (request, reply) => {
    const { user, claims } = request.identity
    return reply.type('text/html').send(homePage(user ? String(claims.name ?? '') : undefined))
  })
  app.get(
    '/profile',
    { preHandler: [requireUser(), authorizeForScopes(['User.Read'])] },
    async (request, reply) => {
      const me = await request.identity.callApi<GraphUser>('Graph', { relativePath: 'me' })
      return reply.type('text/html').send(profilePage(me))
    },
  )

  await app.listen({ port: options.port ?? 3200, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    async close() {
      await app.close()
      await idweb.close()
    },
  }
}
