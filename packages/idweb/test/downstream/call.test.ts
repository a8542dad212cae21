import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createDownstreamApis } from '../../src/downstream/downstream-apis.ts'
import type { DownstreamApis } from '../../src/downstream/types.ts'
import { isIdwebError } from '../../src/errors.ts'
import {
  acquirerWith,
  apiConfig,
  bearerOf,
  json,
  type LocalServer,
  seedApp,
  seedUser,
  signedInUser,
  startServer,
} from './support.ts'

describe('downstream API calls (local API, cached tokens, no provider)', () => {
  let api: LocalServer
  let downstream: DownstreamApis
  const user = signedInUser()

  before(async () => {
    api = await startServer((req, res) => {
      const path = new URL(req.url, 'http://x').pathname
      if (path === '/todo/empty') return void res.writeHead(204).end()
      if (path === '/todo/blank') return void res.writeHead(200).end()
      if (path === '/todo/text') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        return void res.end('plain words')
      }
      json(res, 200, {
        method: req.method,
        url: req.url,
        contentType: req.headers['content-type'] ?? null,
        accept: req.headers.accept ?? null,
        custom: req.headers['x-custom'] ?? null,
        body: req.body,
      })
    })
    const { acquirer, cache } = acquirerWith()
    await seedUser(cache, 'user-token-todo')
    await seedUser(cache, 'user-token-rw', ['api://todo/Todo.ReadWrite'])
    await seedApp(cache, 'app-token-todo')
    downstream = createDownstreamApis({
      acquirer,
      apis: {
        TodoApi: apiConfig('TodoApi', `${api.origin}/todo/`, { relativePath: 'items' }),
        TodoAsApp: apiConfig('TodoAsApp', `${api.origin}/todo/`, {
          scopes: ['api://todo/.default'],
          requestAppToken: true,
        }),
      },
    })
  })
  after(() => api.close())

  const last = () => api.seen.at(-1)!

  it('sends the cached user token as a bearer and returns the parsed JSON', async () => {
    const body = await downstream.call<{ method: string; url: string; accept: string }>(
      'TodoApi',
      user,
    )
    assert.equal(bearerOf(last()), 'user-token-todo')
    assert.deepEqual(
      [body.method, body.url, body.accept],
      ['GET', '/todo/items', 'application/json'],
    )
  })

  it('serializes object bodies as JSON with a JSON content type', async () => {
    const body = await downstream.call<{ contentType: string; body: string; method: string }>(
      'TodoApi',
      user,
      { method: 'post', body: { title: 'Buy milk', done: false } },
    )
    assert.equal(body.method, 'POST')
    assert.equal(body.contentType, 'application/json')
    assert.deepEqual(JSON.parse(body.body), { title: 'Buy milk', done: false })
  })

  it('sends strings and forms as they are, letting fetch pick their content type', async () => {
    const form = await downstream.call<{ contentType: string; body: string }>('TodoApi', user, {
      method: 'POST',
      body: new URLSearchParams({ a: '1', b: 'two' }),
    })
    assert.match(form.contentType, /^application\/x-www-form-urlencoded/)
    assert.equal(form.body, 'a=1&b=two')
    const text = await downstream.call<{ contentType: string; body: string }>('TodoApi', user, {
      method: 'PUT',
      body: '{"raw":true}',
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    assert.equal(text.contentType, 'application/merge-patch+json')
    assert.equal(text.body, '{"raw":true}')
  })

  it('returns undefined for 204 and for an empty 200', async () => {
    assert.equal(await downstream.call('TodoApi', user, { relativePath: 'empty' }), undefined)
    assert.equal(await downstream.call('TodoApi', user, { relativePath: 'blank' }), undefined)
  })

  it('refuses to parse a non-JSON answer, and callRaw hands it over unread', async () => {
    await assert.rejects(downstream.call('TodoApi', user, { relativePath: 'text' }), (err) => {
      assert.ok(isIdwebError(err, 'IDW_DOWNSTREAM_API_ERROR'))
      assert.match(err.message, /text\/plain.*callRaw/)
      return true
    })
    const response = await downstream.callRaw('TodoApi', user, { relativePath: 'text' })
    assert.equal(response.status, 200)
    assert.equal(await response.text(), 'plain words')
  })

  it('applies relativePath, method, query and header overrides', async () => {
    const body = await downstream.call<Record<string, string>>('TodoApi', user, {
      relativePath: 'lists/42/items?top=5',
      method: 'DELETE',
      query: { filter: 'done eq true', 'a&b': 'c=d' },
      headers: { 'x-custom': 'yes', accept: 'application/vnd.todo+json' },
    })
    assert.equal(body.method, 'DELETE')
    const url = new URL(body.url ?? '', 'http://x')
    assert.equal(url.pathname, '/todo/lists/42/items')
    assert.equal(url.searchParams.get('top'), '5')
    assert.equal(url.searchParams.get('filter'), 'done eq true')
    assert.equal(url.searchParams.get('a&b'), 'c=d')
    assert.equal(body.custom, 'yes')
    assert.equal(body.accept, 'application/vnd.todo+json')
  })

  it('reads a leading "/" as relative to the base path, not to the host root', async () => {
    const body = await downstream.call<{ url: string }>('TodoApi', user, { relativePath: '/me' })
    assert.equal(body.url, '/todo/me')
  })

  it('refuses paths that would send the token elsewhere, before any request', async () => {
    const escapes = [
      'https://evil.example/steal',
      'http://127.0.0.1:1/steal',
      '//evil.example/steal',
      '/\\evil.example/steal',
      '\\\\evil.example\\steal',
      '../admin',
      'a/../../admin',
      '/../admin',
      './../admin',
      '%2e%2e/admin',
      '.%2E/admin',
      '..%2fadmin',
      'items%5c..%5c..%5cadmin',
      'javascript:alert(1)',
      '\t//evil.example/steal',
    ]
    const before = api.seen.length
    for (const relativePath of escapes) {
      await assert.rejects(
        downstream.call('TodoApi', user, { relativePath }),
        (err) => isIdwebError(err, 'IDW_BAD_REQUEST'),
        `accepted ${JSON.stringify(relativePath)}`,
      )
    }
    assert.equal(api.seen.length, before, 'a refused path still reached a server')
  })

  it('asks for the configured scopes, or the per-call scopes instead', async () => {
    await downstream.call('TodoApi', user)
    assert.equal(bearerOf(last()), 'user-token-todo')
    await downstream.call('TodoApi', user, { scopes: ['api://todo/Todo.ReadWrite'] })
    assert.equal(bearerOf(last()), 'user-token-rw')
  })

  it('uses the app token when the API or the call asks for one, with or without a user', async () => {
    await downstream.call('TodoAsApp', undefined)
    assert.equal(bearerOf(last()), 'app-token-todo')
    await downstream.call('TodoApi', user, {
      requestAppToken: true,
      scopes: ['api://todo/.default'],
    })
    assert.equal(bearerOf(last()), 'app-token-todo')
  })

  it('names the missing API and refuses a user call without a user', async () => {
    const before = api.seen.length
    await assert.rejects(downstream.call('Nope', user), (err) => {
      assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'))
      assert.match(err.message, /DownstreamApis\.Nope/)
      return true
    })
    await assert.rejects(downstream.call('toString', user), (err) =>
      isIdwebError(err, 'IDW_CONFIG_INVALID'),
    )
    await assert.rejects(downstream.call('TodoApi', undefined), (err) =>
      isIdwebError(err, 'IDW_NOT_SIGNED_IN'),
    )
    assert.equal(api.seen.length, before)
  })

  it('refuses a caller-supplied authorization header and bodies on GET', async () => {
    await assert.rejects(
      downstream.call('TodoApi', user, { headers: { Authorization: 'Bearer mine' } }),
      TypeError,
    )
    await assert.rejects(downstream.call('TodoApi', user, { body: { a: 1 } }), TypeError)
  })
})
