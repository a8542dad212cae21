// The Next.js example's production build under `next start`, in two parts, one build:
// - the web suite every adapter passes (packages/idweb/test/adapters/suite), against its contract
//   routes (route handlers wrapped by withIdentity and requireBearer) and auth.handlers;
// - the example walked in Chromium: the edge middleware turns a stranger away, Alice signs in,
//   a Server Component calls Microsoft Graph, a Server Action refreshes a token with no cookie
//   written, she signs out, and
//   a copy of her cookie, which the edge cannot know is dead, is refused by the server.
// The provider is served over https with its own local CA, which Chromium is told to accept
// (ignoreHTTPSErrors): production settings refuse a plain-http provider.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { webSuite } from '../../../packages/idweb/test/adapters/suite/suite.ts'
import {
  type Browser,
  browserSkipReason,
  launchBrowser,
  screenshot,
  withFailureScreenshot,
} from '../../webapp/test/browser.ts'
import { throughIdp } from '../../webapp/test/idp-pages.ts'
import { providerEnv, type RunningNext, startNext } from './next-app.ts'

webSuite(
  'Next.js (production build)',
  async (setup) => {
    if (!setup.caFile) throw new Error('the Next.js suite runs with an https provider')
    return startNext({
      ...providerEnv(setup.idpUrl, setup.caFile),
      AzureAd__TenantId: setup.tenantId,
      AzureAd__ClientId: setup.clientId,
      AzureAd__ClientSecret: setup.clientSecret,
      IDWEB_SESSION_SECRET: setup.sessionSecret,
      IDWEB_COOKIE_NAME: 'idweb.session',
      IDWEB_CONTRACT_ROUTES: '1',
      IDWEB_CONTRACT_DISCOVERY_URL: setup.discoveryUrl,
      IDWEB_CONTRACT_API_CLIENT_ID: setup.apiClientId,
    })
  },
  { https: true },
)

const alice = demo.users.alice

describe('the Next.js example in Chromium', { skip: browserSkipReason() ?? false }, () => {
  let dir: string
  let idp: DevIdp
  let app: RunningNext
  let browser: Browser
  const shot = (name: string) => screenshot(browser.page, 'next', name)
  const step = (name: string, body: () => Promise<void>) =>
    test(name, () => withFailureScreenshot(browser.page, `next-${name}`, body))

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idweb-next-'))
    // Access tokens live 200 s, inside idweb's 300 s refresh window: every token the pages ask
    // for is a refresh at the provider.
    idp = await startDevIdp({ port: 0, https: { dir }, ttl: { accessToken: 200 } })
    const caFile = join(dir, 'provider-ca.pem')
    writeFileSync(caFile, idp.caCert ?? '')
    app = await startNext({
      ...providerEnv(idp.url, caFile),
      // The provider is https, the app plain-http loopback: a form_post back is cross-site
      // (schemes differ), and the transaction cookie, SameSite=Lax without Secure, would not
      // come with it. A redirect back (response_mode=query) is a top-level GET, which it does.
      AzureAd__ResponseMode: 'query',
      IDWEB_SESSION_SECRET: 'next-example-browser-test-secret-0123456789',
    })
    browser = await launchBrowser({ ignoreHTTPSErrors: true })
  })
  after(async () => {
    await browser?.close()
    await app?.close()
    await idp?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  step('the edge middleware sends a stranger to sign-in before the page renders', async () => {
    const res = await fetch(`${app.url}/profile`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    })
    // 302 is the middleware's answer; a Server Component's redirect() would be a 307.
    assert.equal(res.status, 302, app.output())
    assert.equal(
      new URL(res.headers.get('location') ?? '', app.url).href,
      `${app.url}/signin?returnTo=%2Fprofile`,
    )
    const program = await fetch(`${app.url}/profile`, { headers: { accept: 'application/json' } })
    assert.equal(program.status, 401)
  })

  step('Alice signs in and a Server Component shows her Microsoft Graph profile', async () => {
    const { page } = browser
    await page.goto(`${app.url}/`)
    assert.equal(await page.locator('h1').textContent(), 'idweb with Next.js')
    await shot('home-signed-out')
    await page.click('text=Sign in')
    const visit = await throughIdp(page, idp.url, alice)
    assert.ok(visit.loginShown)
    assert.equal(page.url(), `${app.url}/profile`)
    assert.equal(await page.locator('h1').textContent(), alice.name)
    assert.match((await page.locator('dl').textContent()) ?? '', new RegExp(alice.oid))
    await shot('profile')
    const cookies = await browser.context.cookies(app.url)
    const session = cookies.find((c) => c.name === 'idweb.next')
    assert.ok(session?.httpOnly, 'an HttpOnly session cookie')
  })

  step('a Server Action refreshes a token, and no cookie changes', async () => {
    const { page } = browser
    const before = await browser.context.cookies(app.url)
    const refreshes = idp.grantCount('refresh_token')
    await page.click('text=Get a token in a Server Action')
    await page.waitForSelector('#token')
    assert.match((await page.locator('#token').textContent()) ?? '', /\(\d{2,} characters\)/)
    const afterAction = await browser.context.cookies(app.url)
    assert.deepEqual(
      afterAction.map((c) => `${c.name}=${c.value}`),
      before.map((c) => `${c.name}=${c.value}`),
      'the refreshed token needed no cookie',
    )
    assert.ok(idp.grantCount('refresh_token') > refreshes, 'the Server Action refreshed')
    await shot('server-action')
  })

  step(
    'a Server Component asks for a scope not yet consented: the provider, then the page',
    async () => {
      const { page } = browser
      await page.click('text=Mail.Read (asks for consent)')
      const visit = await throughIdp(page, idp.url, alice)
      assert.ok(
        visit.consents.some((scopes) => scopes.some((s) => s.endsWith('Mail.Read'))),
        JSON.stringify(visit.consents),
      )
      assert.equal(page.url(), `${app.url}/mail`)
      assert.match((await page.locator('#mail').textContent()) ?? '', /\(\d{2,} characters\)/)
      await shot('mail-consented')
    },
  )

  step('Alice signs out; a copy of her cookie no longer gets past the server', async () => {
    const { page } = browser
    const copied = (await browser.context.cookies(app.url))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ')
    await page.goto(`${app.url}/`)
    await page.click('button:has-text("Sign out")')
    await throughIdp(page, idp.url, undefined)
    await page.waitForURL(`${app.url}/`)
    assert.equal(await page.locator('h1').textContent(), 'idweb with Next.js')
    await shot('signed-out')
    const names = (await browser.context.cookies(app.url)).map((c) => c.name)
    assert.ok(!names.includes('idweb.next'), names.join())
    // The edge lets the copy through (it cannot see the revocation); the page does not.
    const res = await fetch(`${app.url}/profile`, {
      headers: { accept: 'text/html', cookie: copied },
      redirect: 'manual',
    })
    assert.notEqual(res.status, 200)
    assert.match(res.headers.get('location') ?? '', /^\/signin\?returnTo=/)
    assert.doesNotMatch(app.output(), /hunter2|Error:/)
  })
})
