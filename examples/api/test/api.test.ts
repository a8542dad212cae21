// The todo API against real tokens of the dev IdP: per-user todos, 4xx JSON for bad input, and
// RFC 6750 refusals for every kind of bad bearer token.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { createTodoApi, type TodoApi } from '../src/app.ts'
import { MAX_TITLE_LENGTH } from '../src/todos.ts'
import { appToken, userToken } from './tokens.ts'

const { alice, bob } = demo.users
const todoScope = demo.apps.todoApi.scope

describe('todo API', () => {
  let idp: DevIdp
  let api: TodoApi
  let aliceToken: string
  let bobToken: string

  before(async () => {
    idp = await startDevIdp({ port: 0 })
    api = await createTodoApi({ port: 0, env: { AzureAd__Instance: `${idp.url}/` } })
    ;[aliceToken, bobToken] = await Promise.all([
      userToken(idp, alice, todoScope),
      userToken(idp, bob, todoScope),
    ])
  })
  after(async () => {
    await api.close()
    await idp.close()
  })

  const call = (path: string, token: string | undefined, init: RequestInit = {}) =>
    fetch(`${api.url}${path}`, {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    })
  const add = (token: string, body: unknown) =>
    call('/todos', token, { method: 'POST', body: JSON.stringify(body) })

  test('lists, adds and deletes a user’s todos', async () => {
    assert.deepEqual(await (await call('/todos', aliceToken)).json(), [])
    const created = await add(aliceToken, { title: '  Buy milk  ' })
    assert.equal(created.status, 201)
    const todo = (await created.json()) as { id: string; title: string; createdAt: string }
    assert.equal(todo.title, 'Buy milk')
    assert.equal(created.headers.get('location'), `/todos/${todo.id}`)
    assert.deepEqual(await (await call('/todos', aliceToken)).json(), [todo])
    const deleted = await call(`/todos/${todo.id}`, aliceToken, { method: 'DELETE' })
    assert.equal(deleted.status, 204)
    assert.deepEqual(await (await call('/todos', aliceToken)).json(), [])
  })

  test('keeps each user’s todos apart', async () => {
    const created = (await (await add(aliceToken, { title: 'Alice only' })).json()) as {
      id: string
    }
    assert.deepEqual(await (await call('/todos', bobToken)).json(), [])
    const stolen = await call(`/todos/${created.id}`, bobToken, { method: 'DELETE' })
    assert.equal(stolen.status, 404, 'Bob cannot delete Alice’s todo')
    assert.equal(api.todos.list(`${alice.oid}.${alice.tenantId}`).length, 1)
  })

  test('answers bad input with 4xx JSON, never a 500', async () => {
    const cases: [string, RequestInit, number, string][] = [
      ['missing title', { method: 'POST', body: '{}' }, 400, 'invalid_request'],
      ['empty title', { method: 'POST', body: '{"title":"   "}' }, 400, 'title_missing'],
      ['number title', { method: 'POST', body: '{"title":5}' }, 400, 'invalid_request'],
      ['array body', { method: 'POST', body: '["x"]' }, 400, 'invalid_request'],
      ['null body', { method: 'POST', body: 'null' }, 400, 'invalid_request'],
      ['malformed JSON', { method: 'POST', body: '{"title":' }, 400, 'invalid_request'],
      [
        'title too long',
        { method: 'POST', body: JSON.stringify({ title: 'x'.repeat(MAX_TITLE_LENGTH + 1) }) },
        400,
        'title_too_long',
      ],
      [
        'body too large',
        { method: 'POST', body: JSON.stringify({ title: 'x'.repeat(10_000) }) },
        413,
        'payload_too_large',
      ],
      [
        'not JSON',
        { method: 'POST', body: 'title=x', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
    ]
    for (const [name, init, status, error] of cases) {
      const res = await call('/todos', aliceToken, init)
      assert.equal(res.status, status, name)
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, name)
      const body = (await res.json()) as { error: string; message: string }
      assert.equal(body.error, error, name)
      assert.ok(body.message.length > 0, name)
    }
    for (const path of ['/todos/no-such-id', '/todos/%2e%2e', `/todos/${'a'.repeat(5000)}`]) {
      const res = await call(path, aliceToken, { method: 'DELETE' })
      assert.equal(res.status, 404, path)
      assert.equal(((await res.json()) as { error: string }).error, 'not_found')
    }
  })

  test('refuses a missing token with a bare Bearer challenge', async () => {
    const res = await call('/todos', undefined)
    assert.equal(res.status, 401)
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="todo-api"')
  })

  test('refuses a token for another audience (Microsoft Graph)', async () => {
    const graphToken = await userToken(idp, alice, 'User.Read')
    const res = await call('/todos', graphToken)
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/)
  })

  test('refuses an app-only token (no access_as_user scope) with insufficient_scope', async () => {
    const token = await appToken(idp, demo.apps.todoApi.defaultScope)
    const res = await call('/todos', token)
    assert.equal(res.status, 403)
    const challenge = res.headers.get('www-authenticate') ?? ''
    assert.match(challenge, /error="insufficient_scope"/)
    assert.match(challenge, /scope="access_as_user"/)
  })

  test('refuses malformed Authorization headers with invalid_request or invalid_token', async () => {
    for (const header of [
      '',
      'Bearer',
      'Bearer a.b',
      'Basic dXNlcjpwYXNz',
      `Bearer ${'A'.repeat(10_240)}`,
    ]) {
      const res = await fetch(`${api.url}/todos`, { headers: { authorization: header } })
      assert.equal(res.status, 401, JSON.stringify(header.slice(0, 20)))
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /)
      await res.arrayBuffer()
    }
    const duplicated = await new Promise<{ status: number; challenge: string }>(
      (resolve, reject) => {
        const req = request(`${api.url}/todos`, {
          // Capitalized: the index signature, which allows a repeated header.
          headers: { Authorization: [`Bearer ${aliceToken}`, `Bearer ${aliceToken}`] },
        })
        req.on('response', (res) => {
          res.resume()
          resolve({
            status: res.statusCode ?? 0,
            challenge: String(res.headers['www-authenticate']),
          })
        })
        req.on('error', reject)
        req.end()
      },
    )
    assert.equal(duplicated.status, 401)
    assert.match(duplicated.challenge, /error="invalid_request"/)
  })
})

describe('todo API with short-lived tokens', () => {
  test('refuses an expired token with invalid_token', async () => {
    // 3 s, not 1: exp is whole seconds, so a 1 s token can be expired a moment after it is issued.
    const idp = await startDevIdp({ port: 0, ttl: { accessToken: 3 } })
    const api = await createTodoApi({
      port: 0,
      env: { AzureAd__Instance: `${idp.url}/` },
      clockToleranceSeconds: 0,
    })
    try {
      const token = await userToken(idp, alice, todoScope)
      assert.equal(
        (await fetch(`${api.url}/todos`, { headers: { authorization: `Bearer ${token}` } })).status,
        200,
      )
      const exp = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).exp
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1100),
      )
      const res = await fetch(`${api.url}/todos`, { headers: { authorization: `Bearer ${token}` } })
      assert.equal(res.status, 401)
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
      assert.match(res.headers.get('www-authenticate') ?? '', /expired/i)
    } finally {
      await api.close()
      await idp.close()
    }
  })
})
