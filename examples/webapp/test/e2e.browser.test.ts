// The reference web app end to end in Chromium: the dev IdP, the todo API and the web app run in
// this process on ephemeral ports, as `npm start` runs them. One browser and one set of servers
// serve every flow, in order: Alice signs in, reads her profile, keeps todos, consents to one
// more Graph permission, signs out; Bob then sees none of her todos; finally a second web app
// instance (a restart: empty token cache, same session secret) re-challenges transparently.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { demo } from '@idweb/dev-idp'
import type { Page } from 'playwright-core'
import {
  type Browser,
  browserSkipReason,
  launchBrowser,
  screenshot,
  withFailureScreenshot,
} from './browser.ts'
import { throughIdp } from './idp-pages.ts'
import { type Stack, startStack } from './stack.ts'

const { alice, bob } = demo.users
const todoScope = demo.apps.todoApi.scope
const skip = browserSkipReason()

describe('the reference web app in Chromium', { skip }, () => {
  let stack: Stack
  let browser: Browser
  let page: Page
  let idpOrigin: string
  let web: string
  const step = (name: string, body: () => Promise<void>) =>
    test(name, () => withFailureScreenshot(page, name, body))
  const shot = (name: string) => screenshot(page, 'screenshots', name)

  before(async () => {
    browser = await launchBrowser()
    stack = await startStack()
    page = browser.page
    idpOrigin = stack.idp.url
    web = stack.web.url
  })
  after(async () => {
    await browser?.close()
    await stack?.close()
  })

  step('shows the signed-out home page with a Sign in button', async () => {
    await page.goto(`${web}/`)
    await shot('home-signed-out')
    assert.equal(await page.locator('h1').textContent(), 'Welcome')
    assert.equal(await page.locator('header a.button').textContent(), 'Sign in')
  })

  step('Alice signs in and consents, and comes back signed in', async () => {
    await page.click('header a.button')
    const visit = await throughIdp(page, idpOrigin, alice, {
      loginShot: 'idp-login',
      consentShot: 'idp-consent',
    })
    assert.ok(visit.loginShown)
    assert.equal(visit.consents.length, 1, 'consent asked at the first sign-in')
    assert.ok(
      visit.consents[0]?.some((s) => s.endsWith('User.Read')),
      String(visit.consents[0]),
    )
    assert.equal(page.url(), `${web}/`)
    assert.equal(await page.locator('h1').textContent(), `Hello, ${alice.name}`)
    assert.match((await page.locator('header .who').textContent()) ?? '', /Alice Smith/)
    await shot('home-signed-in')
  })

  step('/profile shows Alice from Microsoft Graph', async () => {
    await page.click('nav >> text=Profile')
    await page.waitForURL(`${web}/profile`)
    assert.equal(await page.locator('h1').textContent(), alice.name)
    assert.match((await page.locator('dl').textContent()) ?? '', new RegExp(alice.oid))
    await shot('profile')
  })

  step(
    '/todos: Alice consents to the todo API, adds two todos, lists them, deletes one',
    async () => {
      await page.goto(`${web}/todos`)
      const visit = await throughIdp(page, idpOrigin, undefined)
      assert.deepEqual(visit.consents, [[todoScope]], 'consent for the todo API scope only')
      assert.equal(page.url(), `${web}/todos`)
      assert.equal(await page.locator('#empty').count(), 1)

      for (const title of ['Buy milk', "Alice's <b>secret</b> plan"]) {
        await page.fill('input[name="title"]', title)
        await Promise.all([page.waitForNavigation(), page.click('form.add button')])
      }
      assert.equal(page.url(), `${web}/todos`, 'post/redirect/get back to the list')
      assert.deepEqual(await page.locator('#todos .title').allTextContents(), [
        'Buy milk',
        "Alice's <b>secret</b> plan",
      ])
      await shot('todos')

      await Promise.all([
        page.waitForNavigation(),
        page.click('li:has-text("Buy milk") button:has-text("Delete")'),
      ])
      assert.deepEqual(await page.locator('#todos .title').allTextContents(), [
        "Alice's <b>secret</b> plan",
      ])
    },
  )

  step('/colleagues asks for User.ReadBasic.All alone, then lists the tenant', async () => {
    await page.goto(`${web}/colleagues`)
    const visit = await throughIdp(page, idpOrigin, undefined, {
      consentShot: 'idp-consent-incremental',
    })
    assert.equal(visit.loginShown, false, 'no password: the provider session is reused')
    assert.deepEqual(visit.consents, [[`${demo.graph.resource}/User.ReadBasic.All`]])
    assert.equal(page.url(), `${web}/colleagues`)
    const names = await page.locator('#colleagues strong').allTextContents()
    assert.ok(names.includes(alice.name) && names.includes(bob.name), names.join(', '))
    await shot('colleagues')
  })

  step('signing out removes the session cookie and the account cache partition', async () => {
    const homeAccountId = `${alice.oid}.${alice.tenantId}`
    assert.ok(stack.web.idweb.cache.peek(homeAccountId), 'Alice has a cache partition')
    assert.ok(stack.store.size > 0)
    await page.click('header button:has-text("Sign out")')
    await page.waitForURL(`${web}/`)
    await page.waitForLoadState('load')
    assert.equal(await page.locator('h1').textContent(), 'Welcome')
    const cookies = await browser.context.cookies(web)
    assert.deepEqual(
      cookies.filter((c) => c.name.includes('idweb.session')).map((c) => c.name),
      [],
    )
    assert.equal(stack.web.idweb.cache.peek(homeAccountId), undefined)
    assert.deepEqual(stack.store.keys('idweb:tc:'), [], 'no token left in the store')
    assert.ok(stack.store.keys('idweb:revoked:').length > 0, 'the ended session is recorded')

    await page.goto(`${web}/todos`)
    assert.equal(new URL(page.url()).origin, idpOrigin, '/todos sends to sign-in')
    assert.equal(await page.locator('#password').count(), 1, 'the provider asks for a password')
  })

  step('Bob signs in and sees none of Alice’s todos', async () => {
    const visit = await throughIdp(page, idpOrigin, bob)
    assert.ok(visit.loginShown)
    assert.equal(page.url(), `${web}/todos`)
    assert.equal(await page.locator('#empty').count(), 1)
    assert.doesNotMatch((await page.textContent('main')) ?? '', /secret|milk/)
    assert.equal(stack.api.todos.list(`${alice.oid}.${alice.tenantId}`).length, 1, 'still hers')
  })

  step(
    'after a restart (empty token cache, same session) the page re-challenges silently',
    async () => {
      const restarted = await stack.startWebApp()
      // Cookies belong to the host, not the port: the second instance receives Bob's session.
      await page.goto(`${restarted.url}/todos`)
      const visit = await throughIdp(page, idpOrigin, undefined)
      assert.equal(visit.loginShown, false)
      assert.deepEqual(visit.consents, [])
      assert.equal(page.url(), `${restarted.url}/todos`)
      assert.equal(await page.locator('h1').textContent(), 'Your todos')
      assert.match((await page.locator('header .who').textContent()) ?? '', /Bob Jones/)
    },
  )
})
