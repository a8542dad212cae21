// Fastify apps are tested with `app.inject` (light-my-request), whose request object has no
// `headersDistinct`: the plugin must answer there exactly as on a real socket, never a 500.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import Fastify from 'fastify'
import { idwebPlugin, requireUser } from '../../../src/adapters/fastify/index.ts'
import { offlineIdweb } from '../express/support.ts'

const idweb = offlineIdweb()
after(() => idweb.close())

test('under app.inject: requireUser, a bad cookie and the callback answer as on a socket', async () => {
  const app = Fastify()
  await app.register(idwebPlugin, { idweb, errorHandler: { onError() {} } })
  app.get('/me', { preHandler: requireUser() }, async (request) => ({
    name: request.identity.claims.name,
  }))
  const page = await app.inject({ url: '/me?x=1', headers: { accept: 'text/html' } })
  assert.equal(page.statusCode, 302)
  assert.equal(page.headers.location, `/signin?returnTo=${encodeURIComponent('/me?x=1')}`)
  const program = await app.inject({ url: '/me', headers: { accept: 'application/json' } })
  assert.equal(program.statusCode, 401)
  assert.equal(program.json().error, 'IDW_NOT_SIGNED_IN')
  const garbage = await app.inject({
    url: '/me',
    headers: { accept: 'application/json', cookie: 'idweb.session=garbage' },
  })
  assert.equal(garbage.statusCode, 401)
  const callback = await app.inject({
    url: '/signin-oidc',
    headers: { accept: 'application/json' },
  })
  assert.ok(callback.statusCode >= 400 && callback.statusCode < 500, String(callback.statusCode))
  await app.close()
})
