import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { codeFlow, demo, discover, startIdp } from './helpers.ts'

const me = (idp: DevIdp, token: string, path = 'me') =>
  fetch(`${idp.url}/graph/v1.0/${path}`, { headers: { authorization: `Bearer ${token}` } })

describe('Microsoft Graph emulation', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  let graphToken: string
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
    graphToken = (await codeFlow(as, { scope: 'openid profile User.Read' })).tokens.access_token
  })
  after(() => idp.close())

  it('GET /me returns the signed-in user for a valid Graph token', async () => {
    const res = await me(idp, graphToken)
    assert.equal(res.status, 200)
    const body = await res.json()
    assert.equal(body.id, demo.users.alice.oid)
    assert.equal(body.displayName, demo.users.alice.name)
    assert.equal(body.userPrincipalName, demo.users.alice.username)
    assert.equal(body.mail, demo.users.alice.username)
    assert.equal(body.givenName, 'Alice')
    assert.equal(body.surname, 'Smith')
  })

  it('401 with WWW-Authenticate for a missing, malformed or tampered token', async () => {
    const missing = await fetch(`${idp.url}/graph/v1.0/me`)
    assert.equal(missing.status, 401)
    assert.match(String(missing.headers.get('www-authenticate')), /^Bearer /)
    const [h, p, s = ''] = graphToken.split('.')
    const tampered = `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`
    for (const token of [tampered, 'a.b', 'x'.repeat(5000)]) {
      const res = await me(idp, token)
      assert.equal(res.status, 401)
      assert.match(String(res.headers.get('www-authenticate')), /error="invalid_(token|request)"/)
      assert.equal((await res.json()).error.code, 'InvalidAuthenticationToken')
    }
  })

  it('401 for a token of another audience (the todo API)', async () => {
    const apiToken = (await codeFlow(as, { scope: `openid ${demo.apps.todoApi.scope}` })).tokens
      .access_token
    const res = await me(idp, apiToken)
    assert.equal(res.status, 401)
    assert.match(String(res.headers.get('www-authenticate')), /invalid_token/)
  })

  it('403 for a missing scope: /users needs User.ReadBasic.All', async () => {
    const res = await me(idp, graphToken, 'users')
    assert.equal(res.status, 403)
    assert.match(String(res.headers.get('www-authenticate')), /insufficient_scope/)
    const wider = (await codeFlow(as, { scope: 'openid User.ReadBasic.All' })).tokens.access_token
    const list = await (await me(idp, wider, 'users')).json()
    assert.deepEqual(
      list.value.map((u: { userPrincipalName: string }) => u.userPrincipalName).sort(),
      ['alice@contoso.example', 'bob@contoso.example'],
    )
  })

  it('401 for an expired token', async () => {
    const short = await startIdp({ ttl: { accessToken: 1 } })
    try {
      const token = (await codeFlow(await discover(short), { scope: 'openid User.Read' })).tokens
        .access_token
      await new Promise((r) => setTimeout(r, 2100))
      const res = await me(short, token)
      assert.equal(res.status, 401)
      assert.match(String(res.headers.get('www-authenticate')), /invalid_token/)
    } finally {
      await short.close()
    }
  })
})
