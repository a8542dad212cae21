// Hono on Node: the bare route, and the same route in the README's form of `idweb/hono`
// (`mountIdweb`, `auth.withUser` and `c.get('identity').getToken`), served through
// @hono/node-server's request listener (what its `serve` puts on the server it creates).
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { type IdwebEnv, mountIdweb } from 'idweb/hono'
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
  const auth = mountIdweb(app, instance)
  app.get(
    '/hello',
    auth.withUser(async (c) => {
      const identity = c.get('identity')
      return c.json({ name: identity.claims.name, token: await identity.getToken([SCOPE]) })
    }),
  )
  return { listener: getRequestListener(app.fetch, { hostname: 'localhost' }), idweb: instance }
}
