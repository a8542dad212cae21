// On-behalf-of across the reference apps, with the consent it needs: the web app calls the todo
// API, which calls Graph /me for the user. Here the user never consented to the API calling Graph
// (no admin consent for it; the web app's own access to the API is admin-consented, so no consent
// page came up at sign-in). The API answers 403 `interaction_required, proposed_action="consent"`,
// the web app re-challenges with prompt=consent, the dev IdP's page lists the API's permission
// (combined consent), and after Accept the page shows what the API got from Graph.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { defaultDirectoryPath, demo, readDirectoryFile } from '@idweb/dev-idp'
import { CookieJar, jarFetch, signInInteractively } from '@idweb/dev-idp/testing'
import { type Stack, startStack } from './stack.ts'

const { alice } = demo.users
const OBO = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/**
 * The stack with the web app's own scopes admin-consented (no consent page at sign-in) and none for
 * the todo API's Graph permission; `knownClient: false` also removes the web app from the API's
 * known clients, so that no consent page can cover it.
 */
async function consentStack(knownClient: boolean): Promise<Stack> {
  const directory = await readDirectoryFile(defaultDirectoryPath)
  for (const app of directory.apps) {
    if (app.appId === demo.apps.todoApi.clientId) {
      app.adminConsentedScopes = []
      if (!knownClient) app.knownClientApplications = []
    }
    if (app.appId === demo.apps.webApp.clientId) {
      app.adminConsentedScopes = ['https://graph.microsoft.com/User.Read', demo.apps.todoApi.scope]
    }
  }
  return startStack({ idp: { directory } })
}

/** Plays the provider's pages from an authorize redirect, then posts the answer to the app. */
async function atProvider(
  browser: ReturnType<typeof jarFetch>,
  idpJar: CookieJar,
  location: string,
) {
  const result = await signInInteractively(location, { ...alice, jar: idpJar })
  assert.equal(result.kind, 'form_post', result.page?.slice(0, 300))
  const back = await browser(result.formPost!.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: result.formPost!.params,
  })
  return { result, back }
}

describe('the todo page: the API asks for consent to call Graph, the web app gets it', () => {
  let stack: Stack
  const jar = new CookieJar()
  const browser = jarFetch(jar)
  const idpJar = new CookieJar()

  before(async () => {
    stack = await consentStack(true)
  })
  after(() => stack?.close())

  test("403 from the API, prompt=consent, the API's permission on the page, then the profile", async () => {
    const web = stack.web.url
    const start = await browser(`${web}/signin?returnTo=%2F`)
    const signedIn = await atProvider(browser, idpJar, start.headers.get('location') ?? '')
    assert.equal(
      signedIn.result.consentShown,
      false,
      'everything the web app asks is admin-consented',
    )
    assert.equal(signedIn.back.status, 303)

    const todos = await browser(`${web}/todos`, { headers: { accept: 'text/html' } })
    assert.equal(todos.status, 302, 'a re-challenge, not an error page')
    const authorize = new URL(todos.headers.get('location') ?? '')
    assert.equal(authorize.searchParams.get('prompt'), 'consent')
    assert.match(
      authorize.searchParams.get('scope') ?? '',
      /api:\/\/a0000000-0000-4000-c000-000000000002\/access_as_user/,
    )
    assert.equal(stack.idp.grantCount(OBO), 0)

    const consented = await atProvider(browser, idpJar, authorize.href)
    assert.ok(consented.result.consentShown)
    assert.ok(
      consented.result.consentScopes.includes('https://graph.microsoft.com/User.Read'),
      `the page lists the API's permission: ${consented.result.consentScopes}`,
    )
    assert.equal(consented.back.headers.get('location'), '/todos')

    const page = await browser(`${web}/todos`, { headers: { accept: 'text/html' } })
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /id="api-sees"/)
    assert.match(html, /<strong>Alice Smith<\/strong> \(alice@contoso\.example\)/)
    assert.equal(stack.idp.grantCount(OBO), 1)
  })

  test('a program calling the page gets 401 JSON with the consent reason, not a redirect', async () => {
    // A new user session whose API lacks consent: Bob, signed in without any consent page.
    const bobJar = new CookieJar()
    const bob = jarFetch(bobJar)
    const start = await bob(`${stack.web.url}/signin?returnTo=%2F`)
    const result = await signInInteractively(start.headers.get('location') ?? '', {
      ...demo.users.bob,
      jar: new CookieJar(),
    })
    await bob(result.formPost!.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: result.formPost!.params,
    })
    const res = await bob(`${stack.web.url}/todos`, { headers: { accept: 'application/json' } })
    assert.equal(res.status, 401)
    const body = (await res.json()) as Record<string, unknown>
    assert.equal(body.error, 'IDW_INTERACTION_REQUIRED')
    assert.equal(body.reason, 'consent_required')
  })
})

describe('an API that keeps asking for a consent nobody can give', () => {
  // The todo API does not list the web app among its known clients here, so consenting on the
  // web app's page never covers the API's Graph permission: without a guard, every visit would
  // send the user to the consent page and back, for ever.
  let stack: Stack
  const browser = jarFetch(new CookieJar())
  const idpJar = new CookieJar()
  before(async () => {
    stack = await consentStack(false)
  })
  after(() => stack?.close())

  const provider = async (location: string) => (await atProvider(browser, idpJar, location)).back

  test("one re-challenge, then the API's error, not a second round", async () => {
    const web = stack.web.url
    await provider((await browser(`${web}/signin?returnTo=%2F`)).headers.get('location') ?? '')
    const first = await browser(`${web}/todos`, { headers: { accept: 'text/html' } })
    assert.equal(first.status, 302)
    assert.match(
      first.headers.getSetCookie().join('\n'),
      /idweb\.rechallenge=[\w-]{22}; Max-Age=120; Path=\/; HttpOnly; SameSite=Lax/,
    )
    const back = await provider(first.headers.get('location') ?? '')
    assert.equal(back.headers.get('location'), '/todos')
    const second = await browser(`${web}/todos`, { headers: { accept: 'text/html' } })
    assert.notEqual(second.status, 302, 'no second round to the provider')
    assert.ok(second.status >= 500, `the API's error: ${second.status}`)
    assert.ok(
      stack.logger.lines.some((l) =>
        /asked for the sign-in the user just went through/.test(l.message),
      ),
    )
    // Another page's challenge is not held back by this one.
    const colleagues = await browser(`${web}/colleagues`, { headers: { accept: 'text/html' } })
    assert.equal(colleagues.status, 302)
  })
})
