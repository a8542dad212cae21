// The one web suite every adapter must pass, against a contract app (the same routes, through
// each adapter's own idioms): run by adapters.test.ts for the adapters of this package, and by
// examples/next for the production build of the Next.js example. A sign-in round
// trip at the real development provider, returnTo, requireUser for people and programs, Microsoft
// Graph, incremental consent, a claims challenge, bearer APIs, an unexpected failure that must not
// leak, sign-out that ends the copied session.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { CookieJar, jarFetch, signInInteractively, signOut } from '@idweb/dev-idp/testing'
import { CLIENT_ID, startTestIssuer, type TestIssuer } from '../../api/support/test-issuer.ts'
import { httpsFetch } from '../../support/https-fetch.ts'
import { attributesOf, SECRET } from '../express/support.ts'
import type { Mount, Served } from './apps.ts'
import { CLAIMS } from './contract.ts'

const alice = demo.users.alice
/** Options of {@link webSuite}. */
export interface WebSuiteOptions {
  /** Why the suite cannot run here: skipped with that reason. */
  skip?: string | false
  /**
   * Serve the development provider over https with its local CA (the mount gets the CA's file
   * in its setup): for apps that run with production settings, where plain http is refused.
   */
  https?: boolean
}

/**
 * A GET with `headers` exactly as given: node:http sends an array value as one header line per
 * item, which fetch cannot do.
 */
function rawGet(
  url: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
  })
}

/** The web suite against the contract app `mount` serves. */
export function webSuite(framework: string, mount: Mount, options: WebSuiteOptions = {}): void {
  describe(`web suite: ${framework}`, { skip: options.skip ?? false }, () => {
    let idp: DevIdp
    let issuer: TestIssuer
    let app: Served
    let dir: string | undefined
    let caFile: string | undefined
    let providerFetch: typeof fetch | undefined
    const jar = new CookieJar()
    const browser = jarFetch(jar)
    const idpJar = new CookieJar()
    const html = { accept: 'text/html' }
    const json = { accept: 'application/json' }

    before(async () => {
      if (options.https) {
        dir = mkdtempSync(join(tmpdir(), 'idweb-suite-'))
        idp = await startDevIdp({ port: 0, https: { dir } })
        caFile = join(dir, 'provider-ca.pem')
        writeFileSync(caFile, idp.caCert ?? '')
        providerFetch = httpsFetch(idp.caCert ?? '')
      } else {
        idp = await startDevIdp({ port: 0 })
      }
      issuer = await startTestIssuer()
      app = await mount({
        idpUrl: idp.url,
        tenantId: demo.tenants.contoso.id,
        clientId: demo.apps.webApp.clientId,
        clientSecret: demo.apps.webApp.clientSecret,
        sessionSecret: SECRET,
        discoveryUrl: issuer.discoveryUrl,
        apiClientId: CLIENT_ID,
        ...(caFile ? { caFile } : {}),
      })
    })
    after(async () => {
      await app?.close()
      await Promise.all([idp?.close(), issuer?.close()])
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    async function completeAtProvider(authorizeUrl: string): Promise<Response> {
      const result = await signInInteractively(authorizeUrl, {
        ...alice,
        jar: idpJar,
        ...(providerFetch ? { fetch: providerFetch } : {}),
      })
      assert.equal(result.kind, 'form_post', result.page)
      const form = result.formPost!
      assert.equal(form.action, `${app.url}/signin-oidc`)
      return browser(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.params,
      })
    }

    test('anonymous: identity is empty and no cookie is set', async () => {
      const res = await fetch(`${app.url}/api/whoami`)
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { name: null })
      assert.deepEqual(res.headers.getSetCookie(), [])
    })

    test('requireUser answers programs 401 JSON', async () => {
      const res = await fetch(`${app.url}/api/me`, { headers: json })
      assert.equal(res.status, 401)
      assert.equal(((await res.json()) as { error: string }).error, 'IDW_NOT_SIGNED_IN')
    })

    test('callback refusals are 4xx, never 500; a wrong method is 405', async () => {
      const forged = await fetch(`${app.url}/signin-oidc`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...json },
        body: 'code=abc&state=forged',
      })
      assert.ok(forged.status >= 400 && forged.status < 500, `forged state: ${forged.status}`)
      const empty = await fetch(`${app.url}/signin-oidc`, { headers: json })
      assert.ok(empty.status >= 400 && empty.status < 500, `no parameters: ${empty.status}`)
      const put = await fetch(`${app.url}/signin-oidc`, { method: 'PUT', headers: json })
      assert.equal(put.status, 405)
      assert.equal(put.headers.get('allow'), 'GET, POST')
      const badCookie = await fetch(`${app.url}/api/whoami`, {
        headers: { cookie: 'idweb.session=not-a-jwe; idweb.session.0=x' },
      })
      assert.equal(badCookie.status, 200)
    })

    test('signs a user in and back to the page asked for (returnTo)', async () => {
      const page = await browser(`${app.url}/api/me?tab=1`, { headers: html })
      assert.equal(page.status, 302)
      const location = page.headers.get('location') ?? ''
      assert.equal(location, `/signin?returnTo=${encodeURIComponent('/api/me?tab=1')}`)
      const signIn = await browser(new URL(location, app.url))
      assert.equal(signIn.status, 302)
      const authorizeUrl = new URL(signIn.headers.get('location') ?? '')
      assert.equal(authorizeUrl.origin, idp.url)
      assert.equal(authorizeUrl.searchParams.get('redirect_uri'), `${app.url}/signin-oidc`)
      assert.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256')

      const callback = await completeAtProvider(authorizeUrl.href)
      assert.ok([302, 303].includes(callback.status), `callback answered ${callback.status}`)
      assert.equal(callback.headers.get('location'), '/api/me?tab=1')
      const session = callback.headers.getSetCookie().find((c) => c.startsWith('idweb.session'))
      assert.ok(session, callback.headers.getSetCookie().join('\n'))
      const attrs = attributesOf(session)
      assert.ok(attrs.has('httponly'))
      assert.equal(attrs.get('samesite'), 'Lax')
      assert.equal(attrs.get('path'), '/')
      assert.ok(!attrs.has('secure'), 'plain-http loopback: not Secure')

      const me = await browser(`${app.url}/api/me`)
      assert.equal(me.status, 200)
      assert.deepEqual(await me.json(), { name: alice.name, username: alice.username })
    })

    test('an off-site returnTo lands on the home page', async () => {
      const signIn = await browser(
        `${app.url}/signin?returnTo=${encodeURIComponent('https://evil.example/')}`,
      )
      const callback = await completeAtProvider(signIn.headers.get('location') ?? '')
      assert.equal(callback.headers.get('location'), '/')
    })

    test('the session is read from a Cookie header sent as several lines (as HTTP/2 sends it)', async () => {
      const cookies = (jar.header(app.url) ?? '').split('; ')
      assert.ok(
        cookies.some((c) => c.startsWith('idweb.session')),
        'signed in',
      )
      const lines = ['theme=dark', ...cookies, 'z=1']
      const me = await rawGet(`${app.url}/api/me`, { cookie: lines, ...json })
      assert.equal(me.status, 200, me.body)
      assert.deepEqual(JSON.parse(me.body), { name: alice.name, username: alice.username })
      const broken = lines.map((c) => (c.startsWith('idweb.session') ? `${c}x` : c))
      const refused = await rawGet(`${app.url}/api/me`, { cookie: broken, ...json })
      assert.equal(refused.status, 401, 'a changed session cookie opens nothing')
    })

    test('calls Microsoft Graph as the user', async () => {
      const me = await browser(`${app.url}/api/graph`)
      assert.equal(me.status, 200)
      assert.equal(((await me.json()) as { id: string }).id, alice.oid)
    })

    test('incremental consent: 401 for programs, the provider for people, then the page', async () => {
      const xhr = await browser(`${app.url}/api/mail`, { headers: json })
      assert.equal(xhr.status, 401)
      assert.match(
        xhr.headers.get('www-authenticate') ?? '',
        /^Bearer error="interaction_required"/,
      )
      assert.deepEqual(((await xhr.json()) as { scopes: string[] }).scopes, [
        'Mail.Read',
        'User.Read',
      ])
      const page = await browser(`${app.url}/api/mail`, { headers: html })
      assert.equal(page.status, 302)
      const authorizeUrl = new URL(page.headers.get('location') ?? '')
      assert.equal(authorizeUrl.origin, idp.url)
      assert.ok(authorizeUrl.searchParams.get('scope')?.split(' ').includes('Mail.Read'))
      const callback = await completeAtProvider(authorizeUrl.href)
      assert.equal(callback.headers.get('location'), '/api/mail')
      assert.equal((await browser(`${app.url}/api/mail`)).status, 200)
    })

    test('a claims challenge reaches the provider, or programs as insufficient_claims', async () => {
      const page = await browser(`${app.url}/api/claims`, { headers: html })
      assert.equal(page.status, 302)
      assert.equal(new URL(page.headers.get('location') ?? '').searchParams.get('claims'), CLAIMS)
      const xhr = await browser(`${app.url}/api/claims`, { headers: json })
      assert.equal(xhr.status, 401)
      const challenge = xhr.headers.get('www-authenticate') ?? ''
      assert.match(challenge, /^Bearer error="insufficient_claims"/)
      const claims = /claims="([^"]+)"/.exec(challenge)?.[1] ?? ''
      assert.equal(Buffer.from(claims, 'base64').toString('utf8'), CLAIMS)
    })

    test('an unexpected failure is a bare 500 that shows nothing of it', async () => {
      for (const accept of ['text/html', 'application/json']) {
        const res = await browser(`${app.url}/api/boom`, { headers: { accept } })
        assert.equal(res.status, 500)
        assert.doesNotMatch(await res.text(), /hunter2|\/srv\/|at [A-Za-z.]+ \(|Error:/)
      }
    })

    test('bearer API: valid, missing, foreign, under-scoped and repeated tokens', async () => {
      const get = (headers: Record<string, string> = {}) =>
        fetch(`${app.url}/api/todos`, { headers })
      const ok = await get({ authorization: `Bearer ${await issuer.sign()}` })
      assert.equal(ok.status, 200)
      assert.deepEqual(await ok.json(), { oid: '00000000-0000-0000-0000-00000000a11c' })
      const missing = await get()
      assert.equal(missing.status, 401)
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="todo-api"')
      const foreign = await get({
        authorization: `Bearer ${await issuer.sign({ aud: 'api://someone-else' })}`,
      })
      assert.equal(foreign.status, 401)
      assert.match(foreign.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
      const scoped = await get({
        authorization: `Bearer ${await issuer.sign({ scp: 'Todo.Write' })}`,
      })
      assert.equal(scoped.status, 403)
      assert.match(scoped.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/)
    })

    test('signs out: the cookie is cleared and a copy of it no longer works', async () => {
      const copied = jar.header(app.url) ?? ''
      const res = await browser(`${app.url}/signout`)
      assert.equal(res.status, 302)
      assert.ok((res.headers.get('location') ?? '').startsWith(`${idp.url}/`))
      assert.ok(
        res.headers
          .getSetCookie()
          .some((c) => c.startsWith('idweb.session') && /Max-Age=0/i.test(c)),
      )
      const again = await fetch(`${app.url}/api/me`, { headers: { ...json, cookie: copied } })
      assert.equal(again.status, 401)
    })
    test('provider logout: the front-channel frame the provider renders ends the session; back-channel refusals are 400 JSON', async () => {
      const signIn = await browser(`${app.url}/signin`)
      const callback = await completeAtProvider(signIn.headers.get('location') ?? '')
      assert.ok([302, 303].includes(callback.status), `callback answered ${callback.status}`)
      const copied = jar.header(app.url) ?? ''
      const form = { 'content-type': 'application/x-www-form-urlencoded' }
      const bad = await fetch(`${app.url}/backchannel-logout`, {
        method: 'POST',
        headers: form,
        body: 'logout_token=not.a.jwt',
      })
      assert.equal(bad.status, 400)
      assert.equal(((await bad.json()) as { error: string }).error, 'invalid_request')
      const get = await fetch(`${app.url}/backchannel-logout`, { headers: json })
      assert.equal(get.status, 405)
      assert.equal(get.headers.get('allow'), 'POST')
      const logout = idp.issuer(demo.tenants.contoso.id).replace('/v2.0', '/oauth2/v2.0/logout')
      const out = await signOut(logout, {
        jar: idpJar,
        ...(providerFetch ? { fetch: providerFetch } : {}),
      })
      const frame = new URL(out.frontChannel?.[0] ?? 'http://missing.invalid/')
      assert.equal(frame.pathname, '/signout-oidc', 'the signed-out page framed the app')
      const elsewhere = new URL(frame.search, app.url)
      elsewhere.pathname = '/signout-oidc'
      elsewhere.searchParams.set('sid', 'another-provider-session')
      assert.equal((await browser(elsewhere)).status, 200)
      const still = await fetch(`${app.url}/api/me`, { headers: { ...json, cookie: copied } })
      assert.equal(still.status, 200, 'another sid signs nobody out')
      const framed = await browser(`${app.url}/signout-oidc${frame.search}`)
      assert.equal(framed.status, 200)
      assert.match(framed.headers.get('content-security-policy') ?? '', /frame-ancestors /)
      const again = await fetch(`${app.url}/api/me`, { headers: { ...json, cookie: copied } })
      assert.equal(again.status, 401, 'the copied cookie no longer works')
    })
  })
}
