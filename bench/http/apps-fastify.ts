// Fastify 5: the bare route, and the same route behind `idwebPlugin`, `requireUser()` as its
// preHandler and `request.identity.getToken`. The runner's server calls `app.routing`, the
// listener Fastify gives its own server.
import Fastify from 'fastify'
import { idwebPlugin, requireUser } from 'idweb/fastify'
import type { BuiltApp } from './apps.ts'
import { benchIdweb } from './idweb-instance.ts'
import { type AppRegistration, BARE_ANSWER, SCOPE } from './kinds.ts'

export async function fastifyApp(
  withIdweb: boolean,
  reg: AppRegistration,
  idpUrl: string,
): Promise<BuiltApp> {
  const app = Fastify()
  if (!withIdweb) {
    app.get('/hello', async () => BARE_ANSWER)
    await app.ready()
    return { listener: app.routing }
  }
  const idweb = await benchIdweb(reg, idpUrl)
  await app.register(idwebPlugin, { idweb })
  app.get('/hello', { preHandler: requireUser() }, async (request) => ({
    name: request.identity.claims.name,
    token: await request.identity.getToken([SCOPE]),
  }))
  await app.ready()
  return { listener: app.routing, idweb }
}
