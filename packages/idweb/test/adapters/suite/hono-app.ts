// The Hono contract app, on the Web standard alone (no Node server): served by @hono/node-server
// in apps.ts, and by Bun.serve and Deno.serve in runtime-entry.ts.
import { Hono } from 'hono'
import * as honoAdapter from '../../../src/adapters/hono/index.ts'
import type { BearerValidator } from '../../../src/api/index.ts'
import type { Idweb } from '../../../src/index.ts'
import { claimsChallenge, SECRET_DETAIL } from './contract.ts'

export function honoContractApp(idweb: Idweb, validator: BearerValidator) {
  const { authorizeForScopes, errorHandler, requireUser } = honoAdapter
  const app = new Hono<honoAdapter.IdwebEnv>()
  app.use(honoAdapter.idweb(idweb))
  app.get('/api/whoami', (c) => c.json({ name: c.get('identity').claims.name ?? null }))
  app.get('/api/me', requireUser(), (c) =>
    c.json({
      name: c.get('identity').claims.name,
      username: c.get('identity').user?.account.username,
    }),
  )
  app.get('/api/graph', requireUser(), authorizeForScopes(['User.Read']), async (c) =>
    c.json(await c.get('identity').callApi('Graph', { relativePath: 'me' })),
  )
  app.get('/api/mail', requireUser(), authorizeForScopes(['User.Read']), async (c) =>
    c.json({ length: (await c.get('identity').getToken(['Mail.Read'])).length }),
  )
  app.get('/api/claims', authorizeForScopes(), () => {
    throw claimsChallenge()
  })
  routesWithoutSession(app, validator)
  app.onError(errorHandler({ onError() {} }))
  return app
}

/** The same contract app in the route-by-route form: `mountIdweb` and wrapped handlers, no middleware. */
export function honoRoutesContractApp(idweb: Idweb, validator: BearerValidator) {
  const { mountIdweb } = honoAdapter
  const app = new Hono<honoAdapter.IdwebEnv>()
  const auth = mountIdweb(app, idweb, { errorHandler: { onError() {} } })
  app.get(
    '/api/whoami',
    auth.withIdentity((c) => c.json({ name: c.get('identity').claims.name ?? null })),
  )
  app.get(
    '/api/me',
    auth.withUser((c) =>
      c.json({
        name: c.get('identity').claims.name,
        username: c.get('identity').user?.account.username,
      }),
    ),
  )
  const consented = { scopes: ['User.Read'] }
  app.get(
    '/api/graph',
    auth.withUser(
      async (c) => c.json(await c.get('identity').callApi('Graph', { relativePath: 'me' })),
      consented,
    ),
  )
  app.get(
    '/api/mail',
    auth.withUser(
      async (c) => c.json({ length: (await c.get('identity').getToken(['Mail.Read'])).length }),
      consented,
    ),
  )
  app.get(
    '/api/claims',
    auth.withIdentity(() => {
      throw claimsChallenge()
    }),
  )
  routesWithoutSession(app, validator)
  return app
}

/** The routes both forms serve alike, with no session: a failing route and the bearer API. */
function routesWithoutSession(app: Hono<honoAdapter.IdwebEnv>, validator: BearerValidator) {
  app.get('/api/boom', () => {
    throw new Error(SECRET_DETAIL)
  })
  app.get(
    '/api/todos',
    honoAdapter.requireBearer(validator, { scopes: ['Todo.Read'], realm: 'todo-api' }),
    (c) => c.json({ oid: c.get('auth').oid }),
  )
}
