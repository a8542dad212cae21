// The contract app of the adapter suite, built once per framework: the same routes, the same
// answers, through each adapter's own idioms. Each builder listens on 127.0.0.1 (ephemeral port),
// in this process; runtime-mount.ts has the mounts in other runtimes.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import * as expressAdapter from '../../../src/adapters/express/index.ts'
import * as fastifyAdapter from '../../../src/adapters/fastify/index.ts'
import type { BearerValidator } from '../../../src/api/index.ts'
import type { Idweb } from '../../../src/index.ts'
import { claimsChallenge, contractParts, SECRET_DETAIL, type SuiteSetup } from './contract.ts'
import { honoContractApp, honoRoutesContractApp } from './hono-app.ts'

export { CLAIMS, SECRET_DETAIL, type SuiteSetup } from './contract.ts'

export interface Served {
  /** `http://localhost:<port>`: the dev IdP accepts loopback redirect URIs on any port. */
  readonly url: string
  close(): Promise<void>
}

/** Serves the contract app built from `setup`; closing it closes everything the mount built. */
export type Mount = (setup: SuiteSetup) => Promise<Served>

type Serve = (idweb: Idweb, validator: BearerValidator) => Promise<Served>

/** A mount in this process: its idweb and validator from `contractParts`, closed with the app. */
const inProcess =
  (serve: Serve): Mount =>
  async (setup) => {
    const { idweb, validator } = contractParts(setup)
    try {
      const served = await serve(idweb, validator)
      return {
        url: served.url,
        close: async () => {
          await served.close()
          await idweb.close()
        },
      }
    } catch (error) {
      await idweb.close()
      throw error
    }
  }

/**
 * Express 5 forwards a rejected promise to the error handler; Express 4 does not, so on Express 4
 * every asynchronous route goes through the wrapper form of authorizeForScopes, which catches.
 * Express 4 also runs with a body parser in front of idweb, Express 5 without one: the callback
 * must read its form either way.
 */
function expressMount(factory: typeof express, four: boolean): Mount {
  return inProcess(async (idweb, validator) => {
    const { authorizeForScopes, errorHandler, idwebMiddleware, requireBearer, requireUser } =
      expressAdapter
    const app = factory()
    if (four) app.use(factory.urlencoded({ extended: false }))
    app.use(idwebMiddleware(idweb))
    app.get('/api/whoami', (req, res) => {
      res.json({ name: req.identity.claims.name ?? null })
    })
    app.get('/api/me', requireUser(), (req, res) => {
      res.json({ name: req.identity.claims.name, username: req.identity.user?.account.username })
    })
    const graph: Parameters<typeof authorizeForScopes>[1] = async (req, res) => {
      res.json(await req.identity.callApi('Graph', { relativePath: 'me' }))
    }
    if (four) app.get('/api/graph', requireUser(), authorizeForScopes(['User.Read'], graph))
    else app.get('/api/graph', requireUser(), authorizeForScopes(['User.Read']), graph)
    app.get(
      '/api/mail',
      requireUser(),
      authorizeForScopes(['User.Read'], async (req, res) => {
        res.json({ length: (await req.identity.getToken(['Mail.Read'])).length })
      }),
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
      (req, res) => {
        res.json({ oid: req.auth?.oid })
      },
    )
    app.use(errorHandler({ onError() {} }))
    const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
      const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)))
    })
    const { port } = server.address() as AddressInfo
    return {
      url: `http://localhost:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        }),
    }
  })
}

export const mountExpress5 = expressMount(express, false)
export const mountExpress4 = expressMount(express4, true)

export const mountFastify = inProcess(async (idweb, validator) => {
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
})

const honoMount = (build: typeof honoContractApp): Mount =>
  inProcess(async (idweb, validator) => {
    const app = build(idweb, validator)
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
  })

export const mountHono = honoMount(honoContractApp)
export const mountHonoRoutes = honoMount(honoRoutesContractApp)
