// `IDWEB_CACHE=redis://127.0.0.1:6379 WEB_INSTANCES=2 npm start`, in Chromium: two web app
// processes on consecutive ports share the token cache through the machine's Redis. A browser
// sends one host's cookies to every port, so one session visits both instances.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
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

const root = new URL('../../../', import.meta.url).pathname
const { alice } = demo.users
const skip = browserSkipReason()

async function isFree(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A free port whose next port is free too. */
async function freePair(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000)
    if ((await isFree(port)) && (await isFree(port + 1))) return port
  }
}

describe('two web app processes on one Redis store, in Chromium', { skip }, () => {
  let child: ChildProcess
  let browser: Browser
  let page: Page
  let out = ''
  let idp = ''
  let first = ''
  let second = ''
  const step = (name: string, body: () => Promise<void>) =>
    test(name, () => withFailureScreenshot(page, name, body))

  before(async () => {
    const web = await freePair()
    const idpPort = await freePair()
    const apiPort = await freePair()
    idp = `http://localhost:${idpPort}`
    first = `http://localhost:${web}`
    second = `http://localhost:${web + 1}`
    child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'scripts/start.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          IDP_PORT: String(idpPort),
          API_PORT: String(apiPort),
          WEB_PORT: String(web),
          WEB_INSTANCES: '2',
          IDWEB_CACHE: 'redis://127.0.0.1:6379',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    const deadline = Date.now() + 60_000
    while (!out.includes('Ctrl-C stops them all')) {
      if (child.exitCode !== null) assert.fail(`npm start exited ${child.exitCode}:\n${out}`)
      if (Date.now() > deadline) assert.fail(`no banner in 60 s:\n${out}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    browser = await launchBrowser()
    page = browser.page
  })
  after(async () => {
    await browser?.close()
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGINT')
      await exited
    }
  })

  step('the banner lists both instances and the shared store', async () => {
    assert.match(out, new RegExp(`web app +${first}, ${second}`))
    assert.match(out, /token cache store +redis:\/\/127\.0\.0\.1:6379/)
  })

  step(
    'sign in on the first instance, then the second serves /todos with no new sign-in',
    async () => {
      await page.goto(`${first}/todos`)
      const visit = await throughIdp(page, idp, alice)
      assert.ok(visit.loginShown)
      assert.equal(page.url(), `${first}/todos`)
      assert.equal(await page.locator('h1').textContent(), 'Your todos')
      const toProvider: string[] = []
      const watch = (request: { url(): string }) => {
        if (request.url().startsWith(idp)) toProvider.push(request.url())
      }
      page.on('request', watch)
      await page.goto(`${second}/todos`)
      await page.waitForLoadState('load')
      page.off('request', watch)
      assert.deepEqual(toProvider, [], 'no trip to the provider: the tokens came from Redis')
      assert.equal(page.url(), `${second}/todos`)
      assert.equal(await page.locator('h1').textContent(), 'Your todos')
      assert.match((await page.textContent('header')) ?? '', new RegExp(alice.name))
    },
  )

  step('sign out on the second instance, then the first asks to sign in again', async () => {
    const cookies = await browser.context.cookies(first)
    const session = cookies.filter((c) => c.name.startsWith('idweb.session'))
    assert.ok(session.length > 0)
    await page.goto(`${second}/`)
    await page.click('header button:has-text("Sign out")')
    await throughIdp(page, idp, undefined)
    await page.waitForLoadState('load')
    assert.equal(new URL(page.url()).origin, second)
    await page.goto(`${first}/todos`)
    assert.equal(new URL(page.url()).origin, idp, 'the first instance sends to sign-in')
    assert.equal(await page.locator('#password').count(), 1, 'the provider asks for a password')
    // A copy of the signed-out cookie opens nothing on the first instance either.
    const copy = session.map((c) => `${c.name}=${c.value}`).join('; ')
    const replay = await fetch(`${first}/`, { headers: { cookie: copy } })
    assert.doesNotMatch(await replay.text(), new RegExp(alice.name))
  })

  step(
    'signed in on both, then signed out at the dev IdP: both instances end the session, copies included',
    async () => {
      await page.goto(`${first}/todos`)
      await throughIdp(page, idp, alice)
      assert.equal(await page.locator('h1').textContent(), 'Your todos')
      await page.goto(`${second}/todos`)
      assert.equal(await page.locator('h1').textContent(), 'Your todos')
      const copy = (await browser.context.cookies(first))
        .filter((c) => c.name.startsWith('idweb.session'))
        .map((c) => `${c.name}=${c.value}`)
        .join('; ')
      // Signed out at the provider itself, not through the app: its confirmation page submits
      // itself, its signed-out page frames the app's front-channel logout, and it posts a
      // back-channel logout token to the first instance.
      await page.goto(`${idp}/${demo.tenants.contoso.id}/oauth2/v2.0/logout`)
      await page.waitForSelector('text=You have signed out of your account')
      await screenshot(page, 'screenshots', 'signed-out-at-the-provider')
      for (const instance of [first, second]) {
        const replay = await fetch(`${instance}/todos`, {
          headers: { cookie: copy, accept: 'application/json' },
          redirect: 'manual',
        })
        assert.equal(replay.status, 401, `${instance} refuses the copied cookie`)
        await page.goto(`${instance}/todos`)
        assert.equal(new URL(page.url()).origin, idp, `${instance} sends the browser to sign in`)
      }
    },
  )

  step(
    'sign out everywhere from the profile page ends the session of another browser on every instance',
    async () => {
      await page.goto(`${first}/profile`)
      await throughIdp(page, idp, alice)
      const other = await launchBrowser()
      try {
        await other.page.goto(`${second}/todos`)
        await throughIdp(other.page, idp, alice)
        assert.equal(await other.page.locator('h1').textContent(), 'Your todos')
        const othersCookie = (await other.context.cookies(second))
          .filter((c) => c.name.startsWith('idweb.session'))
          .map((c) => `${c.name}=${c.value}`)
          .join('; ')
        await page.goto(`${first}/profile`)
        await screenshot(page, 'screenshots', 'profile-sign-out-everywhere')
        await page.click('#signout-everywhere')
        await page.waitForURL(`${first}/`)
        // The other browser's session is over on every instance. (Navigating there would sign
        // it in again at once: its session at the provider lives on, as intended.)
        for (const instance of [first, second]) {
          const replay = await fetch(`${instance}/todos`, {
            headers: { cookie: othersCookie, accept: 'application/json' },
            redirect: 'manual',
          })
          assert.equal(replay.status, 401, `${instance} refuses the other browser's cookie`)
        }
      } finally {
        await other.close()
      }
    },
  )
})
