// Hono on Node: the bare route, and the same route behind the `idweb()` middleware,
// `requireUser()` and `c.get('identity').getToken`, served through @hono/node-server's request
// listener (what its `serve` puts on the server it creates).
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { errorHandler, type IdwebEnv, idweb, requireUser } from 'idweb/hono'
import type { BuiltApp } from './apps.ts'
import { benchIdweb } from './idweb-instance.ts'
import { type AppRegistration, BARE_ANSWER, SCOPE } from './kinds.ts'

export async function honoApp(
  withIdweb: boolean,
  reg: AppRegistration,
  idpUrl: string,
): Promise<BuiltApp> {
  if (!withIdweb) {
    const app = new Hono()
    app.get('/hello', (c) => c.json(BARE_ANSWER))
    return { listener: getRequestListener(app.fetch, { hostname: 'localhost' }) }
  }
  const instance = await benchIdweb(reg, idpUrl)
  const app = new Hono<IdwebEnv>()
  app.use(idweb(instance))
  app.get('/hello', requireUser(), async (c) => {
    const identity = c.get('identity')
    return c.json({ name: identity.claims.name, token: await identity.getToken([SCOPE]) })
  })
  app.onError(errorHandler())
  return { listener: getRequestListener(app.fetch, { hostname: 'localhost' }), idweb: instance }
}
