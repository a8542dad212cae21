// `idweb login` with a real browser: the command, run as a user types it, prints the sign-in
// address (no system browser here); Chromium opens it, signs in at the dev IdP and lands on the
// command's loopback redirect, whose page says it is done; the command then names the account,
// and `idweb token` in a new process is served from the file it wrote.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { idweb } from '../../../packages/idweb/test/public/cli-support.ts'
import { type Browser, browserSkipReason, launchBrowser, screenshot } from './browser.ts'
import { throughIdp } from './idp-pages.ts'

const skip = browserSkipReason()

describe('idweb login in Chromium (loopback redirect, PKCE)', { skip }, () => {
  let idp: DevIdp
  let browser: Browser
  let dir: string
  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
    browser = await launchBrowser()
    dir = mkdtempSync(join(tmpdir(), 'idweb-cli-browser-'))
  })
  after(async () => {
    await browser?.close()
    await idp?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('signs in through the provider pages and comes back to the command', async () => {
    const env = {
      IDWEB_CACHE_FILE: join(dir, 'cache.json'),
      IDWEB_AUTHORITY: `${idp.url}/organizations/v2.0`,
    }
    const login = idweb(['login', '--scope', demo.apps.todoApi.scope], env)
    const url = (await login.waitFor(/\/authorize\?/)).trim()
    const { page } = browser
    await page.goto(url)
    // An "organizations" authority asks who is signing in first (home realm discovery).
    await page.fill('input[name="login_hint"]', demo.users.carol.username)
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')])
    const visit = await throughIdp(page, idp.url, demo.users.carol)
    assert.ok(visit.loginShown)
    assert.match(page.url(), /^http:\/\/localhost:\d+\/\?code=/)
    assert.equal(await page.locator('h1').textContent(), 'Signed in')
    await screenshot(page, 'screenshots', 'cli-login-done')
    assert.equal(await login.done, 0, login.stderr)
    assert.match(login.stdout, /as carol@fabrikam\.example \(Carol Lee\), tenant 20000000-/)
    const token = idweb(['token', '--scope', demo.apps.todoApi.scope, '--json'], env)
    assert.equal(await token.done, 0, token.stderr)
    assert.equal(JSON.parse(token.stdout).fromCache, true)
  })
})
