import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import { idwebMiddleware } from '../../../src/adapters/express/index.ts'
import type { LogFields, Logger } from '../../../src/logger.ts'
import { createIdweb, type Idweb } from '../../../src/web/idweb.ts'

const HOME = 'oid-logging.tid-logging'
const TOKEN = 'secret-access-token-value-for-logging-test'

/** A listening server on loopback; resolves its origin. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('idwebMiddleware: downstream calls go through the app logger', () => {
  const lines: { message: string; fields?: LogFields }[] = []
  const record = (message: string, fields?: LogFields) =>
    lines.push({ message, ...(fields ? { fields } : {}) })
  const logger: Logger = { debug: record, info: record, warn: record, error: record }
  const api = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]'),
  )
  let idweb: Idweb
  let app: Server
  let origin: string

  before(async () => {
    const apiUrl = await listen(api)
    // No provider is reachable: a cached token must be enough.
    idweb = createIdweb(
      {
        instance: 'http://127.0.0.1:9/',
        tenantId: 'contoso.example',
        clientId: 'client-id',
        clientSecret: 'a-client-secret-value',
        allowInsecureHttp: true,
        session: { secrets: ['a-session-secret-for-downstream-logging-01'] },
        downstreamApis: {
          TodoApi: { baseUrl: `${apiUrl}/`, scopes: ['api://todo/access_as_user'] },
        },
      },
      { env: {}, logger, fetch: () => Promise.reject(new Error('no provider in this test')) },
    )
    const p = await idweb.cache.partition(HOME)
    p.saveTokenResponse({
      clientId: 'client-id',
      environment: idweb.config.authority.environment,
      realm: 'tid-logging',
      scopes: ['api://todo/access_as_user'],
      accessToken: TOKEN,
      account: { homeAccountId: HOME, localAccountId: 'oid-logging', username: 'u@example' },
    })
    const web = express()
    web.use(idwebMiddleware(idweb))
    web.get('/todos', async (req, res) => {
      res.json(await req.identity.callApi('TodoApi', { relativePath: 'todos' }))
    })
    app = createServer(web)
    origin = await listen(app)
  })
  after(async () => {
    await new Promise((resolve) => app.close(resolve))
    await new Promise((resolve) => api.close(resolve))
    await idweb.close()
  })

  it('logs the call with the API name and status, never the token', async () => {
    const session = idweb.sessions.create({
      homeAccountId: HOME,
      claims: { iss: 'http://127.0.0.1:9/tid-logging/v2.0', sub: 'sub-1', tid: 'tid-logging' },
    })
    const cookies = await idweb.sessions.commit(new Request(`${origin}/`), session)
    const cookie = cookies.map((c) => c.split(';', 1)[0]).join('; ')
    const res = await fetch(`${origin}/todos`, { headers: { cookie } })
    assert.equal(res.status, 200, await res.clone().text())
    const call = lines.find((l) => l.message === 'downstream API call')
    assert.ok(call, `no downstream log line in ${JSON.stringify(lines)}`)
    assert.equal(call.fields?.status, 200)
    assert.match(JSON.stringify(call.fields), /TodoApi/)
    assert.doesNotMatch(JSON.stringify(lines), new RegExp(TOKEN))
  })
})
