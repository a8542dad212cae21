// The contract app of the adapter suite, built once per framework: the same routes, the same
// answers, through each adapter's own idioms. Each builder listens on 127.0.0.1 (ephemeral port).
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import Fastify from 'fastify'
import { Hono } from 'hono'
import * as fastifyAdapter from '../../../src/adapters/fastify/index.ts'
import * as honoAdapter from '../../../src/adapters/hono/index.ts'
import type { BearerValidator } from '../../../src/api/index.ts'
import { type Idweb, InteractionRequiredError } from '../../../src/index.ts'

export const CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'
export const SECRET_DETAIL = 'db password hunter2 at /srv/app/secret.js'

export interface Served {
  /** `http://localhost:<port>`: the dev IdP accepts loopback redirect URIs on any port. */
  readonly url: string
  close(): Promise<void>
}

export type Mount = (idweb: Idweb, validator: BearerValidator) => Promise<Served>

const claimsChallenge = () =>
  new InteractionRequiredError('claims_challenge', ['User.Read'], { claims: CLAIMS })

export const mountFastify: Mount = async (idweb, validator) => {
  const { authorizeForScopes, idwebPlugin, requireBearer, requireUser } = fastifyAdapter
  const app = Fastify()
  await app.register(idwebPlugin, { idweb, errorHandler: { onError() {} } })
  app.get('/api/whoami', async (request) => ({ name: request.identity.claims.name ?? null }))
  app.get('/api/me', { preHandler: requireUser() }, async (request) => ({
    name: request.identity.claims.name,
    username: request.identity.user?.account.username,
  }))
  app.get(
    '/api/graph',
    { preHandler: [requireUser(), authorizeForScopes(['User.Read'])] },
    async (request) => request.identity.callApi('Graph', { relativePath: 'me' }),
  )
  app.get(
    '/api/mail',
    { preHandler: requireUser() },
    authorizeForScopes(['User.Read'], async (request) => ({
      length: (await request.identity.getToken(['Mail.Read'])).length,
    })),
  )
  app.get('/api/claims', { preHandler: authorizeForScopes() }, async () => {
    throw claimsChallenge()
  })
  app.get('/api/boom', async () => {
    throw new Error(SECRET_DETAIL)
  })
  app.get(
    '/api/todos',
    { preHandler: requireBearer(validator, { scopes: ['Todo.Read'], realm: 'todo-api' }) },
    async (request) => ({ oid: request.auth?.oid }),
  )
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://localhost:${port}`, close: () => app.close() }
}

export const mountHono: Mount = async (idweb, validator) => {
  const { authorizeForScopes, errorHandler, requireBearer, requireUser } = honoAdapter
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
  app.get('/api/boom', () => {
    throw new Error(SECRET_DETAIL)
  })
  app.get(
    '/api/todos',
    requireBearer(validator, { scopes: ['Todo.Read'], realm: 'todo-api' }),
    (c) => c.json({ oid: c.get('auth').oid }),
  )
  app.onError(errorHandler({ onError() {} }))
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
