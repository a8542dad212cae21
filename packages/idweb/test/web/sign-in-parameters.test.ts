// `/signin` takes Identity.Web's challenge parameters (scope, claims, prompt, loginHint,
// domainHint), for frameworks whose pages cannot set the transaction cookie themselves: a
// well-formed one reaches the provider's authorization request and the sealed transaction, and
// the sign-in completes with the scopes asked for; a malformed one is a 400, with no
// transaction cookie and no redirect.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { alice, demo, type Harness, startHarness } from './harness.ts'

const todoScope = demo.apps.todoApi.scope

describe('/signin challenge parameters', () => {
  let h: Harness
  before(async () => {
    h = await startHarness()
  })
  after(() => h.close())

  it('carries scope, claims, prompt and hints to the authorization request', async () => {
    const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'
    const query = new URLSearchParams({
      returnTo: '/mail',
      scope: `Mail.Read  ${todoScope}`,
      claims,
      prompt: 'consent',
      loginHint: 'alice@contoso.example',
      domainHint: 'contoso.example',
    })
    const res = await h.app(`/signin?${query}`)
    assert.equal(res.status, 302)
    const p = new URL(res.headers.get('location') ?? '').searchParams
    assert.deepEqual(
      p.get('scope')?.split(' ').sort(),
      ['Mail.Read', 'offline_access', 'openid', 'profile', todoScope].sort(),
    )
    assert.equal(p.get('claims'), claims)
    assert.equal(p.get('prompt'), 'consent')
    assert.equal(p.get('login_hint'), 'alice@contoso.example')
    assert.equal(p.get('domain_hint'), 'contoso.example')
  })

  it('a sign-in asking for another scope ends with a token for it in the cache', async () => {
    const { callback } = await h.signIn(alice, `/signin?returnTo=/mail&scope=${todoScope}`)
    assert.equal(callback.headers.get('location'), '/mail')
    const auth = await h.idweb.authenticate(
      new Request(`http://localhost:3000/mail`, {
        headers: { cookie: h.jar.header('http://localhost:3000') ?? '' },
      }),
    )
    assert.ok(auth.user)
    const token = await h.idweb.getTokenForUser(auth.user, [todoScope])
    assert.ok(token.accessToken.length > 20)
  })

  const malformed: Array<[string, string]> = [
    ['an empty scope', 'scope=%20'],
    ['a scope with a quote', 'scope=a%22b'],
    ['a scope with a backslash', 'scope=a%5Cb'],
    ['33 scopes', `scope=${Array.from({ length: 33 }, (_, i) => `s${i}`).join('%20')}`],
    ['an over-long scope', `scope=${'a'.repeat(257)}`],
    ['claims that are not JSON', 'claims=%7Bnope'],
    ['claims that are an array', 'claims=%5B1%5D'],
    ['over-long claims', `claims=${encodeURIComponent(`{"a":"${'x'.repeat(4100)}"}`)}`],
    ['prompt=none', 'prompt=none'],
    ['an unknown prompt', 'prompt=create'],
    ['an empty loginHint', 'loginHint='],
    ['a loginHint with a control character', 'loginHint=a%0Db'],
    ['an over-long domainHint', `domainHint=${'d'.repeat(257)}`],
  ]
  for (const [what, query] of malformed) {
    it(`refuses ${what} with a 400 and no transaction`, async () => {
      const res = await fetchApp(h, `/signin?${query}`)
      assert.equal(res.status, 400)
      assert.equal(res.headers.get('location'), null)
      assert.deepEqual(res.headers.getSetCookie(), [])
      const body = (await res.json()) as { error: string }
      assert.equal(body.error, 'IDW_BAD_REQUEST')
    })
  }
})

/** A request programs make: answers come as JSON. */
function fetchApp(h: Harness, path: string): Promise<Response> {
  return h.app(path, { headers: { accept: 'application/json' } })
}
