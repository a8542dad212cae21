// The apps the HTTP benchmark drives (kinds.ts), each answering `GET /hello` with the signed-in
// user's name and a cached delegated token for User.Read: per framework a bare route answering
// the same shape with no identity layer (the ceiling) and the same route behind idweb's adapter,
// plus Express's two peers. Each framework's apps are in their own file, loaded only by the server
// process that runs them.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Idweb } from 'idweb'
import { type AppKind, type AppRegistration, frameworkOf, isIdweb } from './kinds.ts'

export interface BuiltApp {
  /** The app as a Node request listener, for the server the runner reaches. */
  listener: (req: IncomingMessage, res: ServerResponse) => void
  /** The idweb instance, for seeding extra users (idweb apps only). */
  idweb?: Idweb
}

/** Builds the app of `kind` at `origin`, registered as `reg` at the dev IdP at `idpUrl`. */
export async function buildApp(
  kind: AppKind,
  reg: AppRegistration,
  idpUrl: string,
  origin: string,
): Promise<BuiltApp> {
  if (kind === 'express-openid-connect' || kind === 'msal-node') {
    return (await import('./apps-peers.ts')).buildPeerApp(kind, reg, idpUrl, origin)
  }
  const idweb = isIdweb(kind)
  const framework = frameworkOf(kind)
  if (framework === 'fastify')
    return (await import('./apps-fastify.ts')).fastifyApp(idweb, reg, idpUrl)
  if (framework === 'hono') return (await import('./apps-hono.ts')).honoApp(idweb, reg, idpUrl)
  return (await import('./apps-express.ts')).expressApp(idweb, reg, idpUrl)
}
