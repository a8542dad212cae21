// The reference web app at the HTTP level, no browser: fetch with manual redirects and a cookie
// jar, the dev IdP's pages played by @idweb/dev-idp/testing. Cookie flags, open redirects,
// programs that are not signed in, CSRF refusals, form validation, a restart with an empty cache.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { defaultDirectoryPath, demo, readDirectoryFile } from '@idweb/dev-idp'
import { CookieJar, jarFetch, signInInteractively } from '@idweb/dev-idp/testing'
import { type Stack, startStack } from './stack.ts'

const { alice } = demo.users

/** `Set-Cookie` attributes, lower-cased names. */
function attributes(setCookie: string): Map<string, string> {
  const [, ...attrs] = setCookie.split(';')
  return new Map(
    attrs.map((a) => {
      const [k, ...v] = a.trim().split('=')
      return [(k ?? '').toLowerCase(), v.join('=')]
    }),
  )
}

describe('the reference web app over HTTP', () => {
  let stack: Stack
  let web: string
  const jar = new CookieJar()
  const browser = jarFetch(jar)
  const idpJar = new CookieJar()

  /** Follows the app's redirect to the provider, signs in there, posts the form back. */
  async function signIn(path: string, base = web, get = browser): Promise<Response> {
    const start = await get(`${base}${path}`, { headers: { accept: 'text/html' } })
    assert.equal(start.status, 302, `${path} answered ${start.status}`)
    const result = await signInInteractively(start.headers.get('location') ?? '', {
      ...alice,
      jar: idpJar,
    })
    assert.equal(result.kind, 'form_post', result.page?.slice(0, 300))
    return get(result.formPost!.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: result.formPost!.params,
    })
  }

  before(async () => {
    stack = await startStack()
    web = stack.web.url
  })
  after(() => stack.close())

  test('warns at start that AllowInsecureHttp is on', () => {
    assert.ok(
      stack.logger.lines.some((l) => l.level === 'warn' && /allowInsecureHttp/.test(l.message)),
      JSON.stringify(stack.logger.lines),
    )
  })

  test('sets the session cookie HttpOnly, SameSite=Lax, not Secure on plain-http loopback', async () => {
    const callback = await signIn('/signin?returnTo=%2Fprofile')
    assert.equal(callback.headers.get('location'), '/profile')
    const session = callback.headers.getSetCookie().find((c) => c.startsWith('idweb.session'))
    assert.ok(session, callback.headers.getSetCookie().join('\n'))
    const attrs = attributes(session)
    assert.ok(attrs.has('httponly'))
    assert.equal(attrs.get('samesite'), 'Lax')
    assert.equal(attrs.has('secure'), false)
    const profile = await browser(`${web}/profile`)
    assert.equal(profile.status, 200)
    assert.match(await profile.text(), /<h1>Alice Smith<\/h1>/)
  })

  test('keeps returnTo on the app whatever it is given', async () => {
    const attempts = [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      '\\\\evil.example',
      '%2F%2Fevil.example',
      '/%5Cevil.example',
      '/%2F/evil.example',
      'javascript:alert(1)',
      'http://localhost:1/elsewhere',
    ]
    for (const returnTo of attempts) {
      const callback = await signIn(`/signin?returnTo=${encodeURIComponent(returnTo)}`)
      const location = callback.headers.get('location') ?? ''
      assert.ok(location.startsWith('/'), `${returnTo} -> ${location}`)
      assert.ok(!/^\/[/\\]/.test(location), `${returnTo} -> ${location}`)
      assert.equal(new URL(location, web).origin, web, `${returnTo} -> ${location}`)
    }
  })

  test('requireUser answers programs 401 JSON and sends people to sign-in', async () => {
    for (const headers of <Record<string, string>[]>[
      { accept: 'application/json' },
      { 'x-requested-with': 'XMLHttpRequest' },
    ]) {
      const res = await fetch(`${web}/todos`, { headers, redirect: 'manual' })
      assert.equal(res.status, 401)
      assert.equal(((await res.json()) as { error: string }).error, 'IDW_NOT_SIGNED_IN')
    }
    const page = await fetch(`${web}/todos?tab=1`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    })
    assert.equal(page.status, 302)
    assert.equal(page.headers.get('location'), '/signin?returnTo=%2Ftodos%3Ftab%3D1')
  })

  test('refuses cross-site form posts, accepts same-origin ones', async () => {
    // Consent to the todo API first (the first visit re-challenges).
    const consent = await signIn('/todos')
    assert.equal(consent.headers.get('location'), '/todos')
    const post = (headers: Record<string, string>) =>
      browser(`${web}/todos`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'title=From+a+form',
      })
    for (const headers of <Record<string, string>[]>[
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'http://localhost:1' },
      {},
    ]) {
      const res = await post(headers)
      assert.equal(res.status, 403, JSON.stringify(headers))
    }
    assert.equal(stack.api.todos.list(`${alice.oid}.${alice.tenantId}`).length, 0)
    const ok = await post({ origin: web, 'sec-fetch-site': 'same-origin' })
    assert.equal(ok.status, 303)
    assert.equal(ok.headers.get('location'), '/todos')
    assert.match(await (await browser(`${web}/todos`)).text(), /From a form/)
  })

  test('shows readable errors for bad todo input, never a 500', async () => {
    const post = (path: string, body: string) =>
      browser(`${web}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web },
        body,
      })
    const empty = await post('/todos', 'title=+++')
    assert.equal(empty.status, 400)
    assert.match(await empty.text(), /role="alert">Type what needs doing first/)
    const long = await post('/todos', `title=${'x'.repeat(201)}`)
    assert.equal(long.status, 400)
    assert.match(await long.text(), /Keep it under 200 characters/)
    const huge = await post('/todos', `title=${'x'.repeat(20_000)}`)
    assert.equal(huge.status, 413)
    assert.match(await huge.text(), /too large/)
    const badId = await post('/todos/not-an-id/delete', '')
    assert.equal(badId.status, 404)
    const gone = await post('/todos/00000000-0000-4000-8000-000000000000/delete', '')
    assert.equal(gone.status, 303, 'deleting what is already gone just shows the list')
  })

  test('GET /signout asks for confirmation and signs nobody out', async () => {
    const res = await browser(`${web}/signout`)
    assert.equal(res.status, 200)
    assert.match(await res.text(), /<form method="post" action="\/signout">/)
    assert.equal((await browser(`${web}/profile`)).status, 200, 'still signed in')
  })

  test('a restarted app (empty cache, same secret) re-challenges, then serves the page', async () => {
    const restarted = await stack.startWebApp()
    const cookie = jar.header(new URL(web)) ?? ''
    const page = await fetch(`${restarted.url}/profile`, {
      headers: { cookie, accept: 'text/html' },
      redirect: 'manual',
    })
    assert.equal(page.status, 302, 'a re-challenge, not an error page')
    const authorize = new URL(page.headers.get('location') ?? '')
    assert.equal(authorize.origin, stack.idp.url)
    const result = await signInInteractively(authorize, { ...alice, jar: idpJar })
    assert.equal(result.kind, 'form_post')
    assert.equal(result.consentShown, false)
    const restartedBrowser = jarFetch(jar)
    const callback = await restartedBrowser(result.formPost!.action, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `${cookie}; ${page.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; ')}`,
      },
      body: result.formPost!.params,
    })
    assert.equal(callback.headers.get('location'), '/profile')
    const again = await restartedBrowser(`${restarted.url}/profile`)
    assert.equal(again.status, 200)
    assert.match(await again.text(), /<h1>Alice Smith<\/h1>/)
  })

  test('home page announces every page that asks for consent beyond sign-in', async () => {
    const home = await browser(`${web}/`)
    assert.equal(home.status, 200)
    const items = [...(await home.text()).matchAll(/<li><a href="([^"]+)">[\s\S]*?<\/li>/g)]
    const asks = new Map(items.map((m) => [m[1], /class="consent"/.test(m[0]) ? m[0] : '']))
    assert.deepEqual([...asks.keys()], ['/profile', '/todos', '/colleagues'])
    assert.equal(asks.get('/profile'), '', 'User.Read is consented at sign-in')
    assert.match(String(asks.get('/todos')), /consent to <code>access_as_user<\/code>/)
    assert.match(String(asks.get('/colleagues')), /consent to <code>User\.ReadBasic\.All<\/code>/)
  })

  test('answers unknown paths with a 404 page in the app layout, or JSON when asked', async () => {
    const page = await fetch(`${web}/no/such/page<b>`, { headers: { accept: 'text/html' } })
    assert.equal(page.status, 404)
    assert.match(String(page.headers.get('content-type')), /^text\/html/)
    const html = await page.text()
    assert.match(html, /<a class="brand" href="\/">idweb sample<\/a>/, 'the shared layout')
    assert.match(html, /<h1>Page not found<\/h1>/)
    assert.match(html, /<code>\/no\/such\/page%3Cb%3E<\/code>/)
    assert.match(html, /<a class="button" href="\/signin\?returnTo=/, 'anonymous can sign in')
    const json = await fetch(`${web}/no/such/page`, { headers: { accept: 'application/json' } })
    assert.equal(json.status, 404)
    assert.match(String(json.headers.get('content-type')), /^application\/json/)
    assert.deepEqual(await json.json(), {
      error: 'not_found',
      message: 'There is no page at /no/such/page.',
    })
    const signedIn = await browser(`${web}/nope`)
    assert.equal(signedIn.status, 404)
    assert.match(await signedIn.text(), /action="\/signout"/, 'still shows who is signed in')
  })
})

describe('the reference web app behind a TLS-terminating proxy', () => {
  test('marks the session cookie Secure when the request came over https', async () => {
    // The app registration gets the proxied redirect URI, as it would for a real deployment.
    const directory = await readDirectoryFile(defaultDirectoryPath)
    const webApp = directory.apps.find((a) => a.appId === demo.apps.webApp.clientId)!
    webApp.redirectUris = [...(webApp.redirectUris ?? []), 'https://app.example/signin-oidc']
    const stack = await startStack({ idp: { directory }, web: { trustProxy: 'loopback' } })
    const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' }
    try {
      const start = await fetch(`${stack.web.url}/signin?returnTo=%2F`, {
        headers: proxied,
        redirect: 'manual',
      })
      const authorize = new URL(start.headers.get('location') ?? '')
      assert.equal(authorize.searchParams.get('redirect_uri'), 'https://app.example/signin-oidc')
      const tx = start.headers.getSetCookie()
      assert.ok(tx.length > 0 && tx.every((c) => attributes(c).has('secure')), tx.join('\n'))
      const result = await signInInteractively(authorize, alice)
      assert.equal(result.formPost?.action, 'https://app.example/signin-oidc')
      const callback = await fetch(`${stack.web.url}/signin-oidc`, {
        method: 'POST',
        headers: {
          ...proxied,
          'content-type': 'application/x-www-form-urlencoded',
          cookie: tx.map((c) => c.split(';')[0]).join('; '),
        },
        body: result.formPost!.params,
        redirect: 'manual',
      })
      assert.ok([302, 303].includes(callback.status), await callback.clone().text())
      const session = callback.headers.getSetCookie().find((c) => /idweb\.session/.test(c))
      assert.ok(session, callback.headers.getSetCookie().join('\n'))
      const attrs = attributes(session)
      assert.ok(attrs.has('secure'))
      assert.ok(attrs.has('httponly'))
      assert.equal(attrs.get('samesite'), 'Lax')
    } finally {
      await stack.close()
    }
  })
})
