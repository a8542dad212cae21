// GET /todos/all against real tokens of the dev IdP: every user's todos for an app token holding
// the app role Todo.Read.All, and each kind of token refused on the other kind's routes.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { type AllTodos, createTodoApi, type TodoApi } from '../src/app.ts'
import type { Todo } from '../src/todos.ts'
import { appToken, userToken } from './tokens.ts'

const { alice, bob } = demo.users
const todoScope = demo.apps.todoApi.scope
const owner = (user: { oid: string; tenantId: string }) => `${user.oid}.${user.tenantId}`
const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >

describe('todo API: GET /todos/all for daemons', () => {
  let idp: DevIdp
  let api: TodoApi
  let aliceToken: string
  let bobToken: string
  let daemonToken: string

  before(async () => {
    idp = await startDevIdp({ port: 0 })
    api = await createTodoApi({ port: 0, env: { AzureAd__Instance: `${idp.url}/` } })
    ;[aliceToken, bobToken, daemonToken] = await Promise.all([
      userToken(idp, alice, todoScope),
      userToken(idp, bob, todoScope),
      appToken(idp, demo.apps.todoApi.defaultScope),
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
      },
    })
  const add = async (token: string, title: string) => {
    const res = await call('/todos', token, { method: 'POST', body: JSON.stringify({ title }) })
    assert.equal(res.status, 201, title)
    return (await res.json()) as Todo
  }

  test('the tokens are what the routes expect: the daemon’s has roles and no scp', () => {
    const app = claimsOf(daemonToken)
    assert.deepEqual(app.roles, [demo.apps.todoApi.appRoles.readAll])
    assert.equal(app.scp, undefined)
    assert.equal(claimsOf(aliceToken).scp, 'access_as_user')
    assert.ok(
      !(claimsOf(aliceToken).roles as string[] | undefined)?.includes('Todo.Read.All'),
      'Alice holds Todo.Admin, not the app role',
    )
  })

  test('an app token with Todo.Read.All reads every user’s todos, and only those', async () => {
    const empty = await call('/todos/all', daemonToken)
    assert.equal(empty.status, 200)
    assert.deepEqual(await empty.json(), { owners: [] })

    const milk = await add(aliceToken, 'Buy milk')
    const bread = await add(aliceToken, 'Buy bread')
    const callAlice = await add(bobToken, 'Call Alice')
    const gone = await add(bobToken, 'Deleted before the daemon looks')
    assert.equal((await call(`/todos/${gone.id}`, bobToken, { method: 'DELETE' })).status, 204)

    const res = await call('/todos/all', daemonToken)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/json/)
    const all = (await res.json()) as AllTodos
    assert.deepEqual(
      all.owners.map((o) => ({ owner: o.owner, titles: o.todos.map((t) => t.title) })),
      [
        { owner: owner(alice), titles: [milk.title, bread.title] },
        { owner: owner(bob), titles: [callAlice.title] },
      ],
    )
    assert.deepEqual(all.owners[0]?.todos[0], milk, 'each todo as the per-user route sends it')
    // The trailing-slash spelling is the same route, not a todo id.
    assert.equal((await call('/todos/all/', daemonToken)).status, 200)
  })

  test('a user token with access_as_user but without the role is refused, and still works on /todos', async () => {
    for (const token of [aliceToken, bobToken]) {
      const res = await call('/todos/all', token)
      assert.equal(res.status, 403)
      const challenge = res.headers.get('www-authenticate') ?? ''
      assert.match(challenge, /^Bearer realm="todo-api", error="insufficient_scope"/)
      assert.match(challenge, /Todo\.Read\.All/)
      const body = (await res.json()) as { error: string; error_description: string }
      assert.equal(body.error, 'insufficient_scope')
      assert.match(body.error_description, /app roles: Todo\.Read\.All/)
      assert.equal((await call('/todos', token)).status, 200, 'the per-user route still answers')
    }
  })

  test('an app token is refused on every per-user route with a clear 403, and changes nothing', async () => {
    const aliceTodo = await add(aliceToken, 'Alice’s, not the app’s')
    const before = JSON.stringify(api.todos.all())
    const attempts: [string, RequestInit][] = [
      ['/todos', {}],
      ['/todos', { method: 'POST', body: JSON.stringify({ title: 'as the app' }) }],
      [`/todos/${aliceTodo.id}`, { method: 'DELETE' }],
    ]
    for (const [path, init] of attempts) {
      const name = `${init.method ?? 'GET'} ${path}`
      const res = await call(path, daemonToken, init)
      assert.equal(res.status, 403, name)
      assert.match(res.headers.get('content-type') ?? '', /application\/json/, name)
      const challenge = res.headers.get('www-authenticate') ?? ''
      assert.match(challenge, /error="insufficient_scope"/, name)
      assert.match(challenge, /scope="access_as_user"/, name)
      const body = (await res.json()) as { error: string; error_description: string }
      assert.equal(body.error, 'insufficient_scope', name)
      assert.match(body.error_description, /access_as_user/, name)
    }
    assert.equal(JSON.stringify(api.todos.all()), before, 'no list was read into or changed')
    const daemonOid = claimsOf(daemonToken).oid
    assert.ok(!api.todos.all().some((o) => o.owner.startsWith(`${daemonOid}.`)))
  })

  test('refuses a missing token, and answers other methods with 405 before any per-user route', async () => {
    const anonymous = await call('/todos/all', undefined)
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="todo-api"')
    const count = api.todos.list(owner(alice)).length
    for (const [method, token] of [
      ['DELETE', aliceToken],
      ['POST', daemonToken],
      ['PUT', undefined],
    ] as const) {
      const res = await call('/todos/all', token, { method })
      assert.equal(res.status, 405, method)
      assert.equal(res.headers.get('allow'), 'GET, HEAD', method)
      assert.equal(((await res.json()) as { error: string }).error, 'method_not_allowed')
    }
    assert.equal(api.todos.list(owner(alice)).length, count, '"all" was never taken for an id')
  })
})
