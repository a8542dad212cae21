// Plays a person through the dev IdP's pages in the browser: the login form, the consent page and
// the self-submitting pages (form_post back to the app, sign-out confirmation).
import type { Page } from 'playwright-core'
import { screenshot } from './browser.ts'

export interface Credentials {
  readonly username: string
  readonly password: string
}

/** What the provider showed on the way back to the app. */
export interface IdpVisit {
  loginShown: boolean
  /** The scopes listed by each consent page shown, in order. */
  consents: string[][]
}

export interface IdpOptions {
  /** Name of the screenshot (under `test-results/screenshots/`) of the login page, filled in. */
  loginShot?: string
  /** Name of the screenshot of the first consent page. */
  consentShot?: string
}

/**
 * Signs in (if asked) and accepts every consent until the browser is back on a page that is not
 * the provider's. Fails on any other provider page (an error).
 */
export async function throughIdp(
  page: Page,
  idpOrigin: string,
  user: Credentials | undefined,
  options: IdpOptions = {},
): Promise<IdpVisit> {
  const visit: IdpVisit = { loginShown: false, consents: [] }
  const onIdp = () => new URL(page.url()).origin === idpOrigin
  for (let step = 0; step < 10; step++) {
    await page.waitForLoadState('load')
    if (!onIdp()) return visit
    const kind = await page
      .evaluate(() => {
        if (document.querySelector('#password')) return 'login'
        if (document.querySelector('button[value="accept"]')) return 'consent'
        if (document.querySelector('form[method="post" i]')) return 'auto'
        return 'other'
      })
      .catch(() => 'navigating')
    if (kind === 'login') {
      if (!user) throw new Error('the provider asked for a sign-in nobody expected')
      visit.loginShown = true
      await page.fill('#username', user.username)
      await page.fill('#password', user.password)
      if (options.loginShot) await screenshot(page, 'screenshots', options.loginShot)
      await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')])
    } else if (kind === 'consent') {
      visit.consents.push(await page.locator('ul.scopes code').allTextContents())
      if (options.consentShot && visit.consents.length === 1) {
        await screenshot(page, 'screenshots', options.consentShot)
      }
      await Promise.all([page.waitForNavigation(), page.click('button[value="accept"]')])
    } else if (kind === 'auto' || kind === 'navigating') {
      await page.waitForURL((url) => url.origin !== idpOrigin)
    } else {
      const text = (await page.textContent('body'))?.trim().slice(0, 300)
      throw new Error(`unexpected provider page at ${page.url()}: ${text}`)
    }
  }
  throw new Error(`still at the provider after 10 pages: ${page.url()}`)
}
