// Chromium for the end-to-end tests: Debian's build (CHROMIUM_PATH overrides), driven by
// playwright-core, with a fresh temporary profile. When the binary is missing the suite fails on
// CI (CI set, e.g. true or 1) and is skipped, saying why, elsewhere.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Where failure screenshots and page screenshots go (git-ignored). */
export const RESULTS_DIR = new URL('../../../test-results/', import.meta.url).pathname

/**
 * Why the browser suite cannot run here, or `undefined` when it can. On CI a missing browser is
 * a failure, never a skip.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined
  const message = `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`
  if (onCi()) throw new Error(`${message}. CI=${process.env.CI}: the browser suite must run.`)
  return `${message}; skipping the browser suite`
}

/** CI services set `CI` to `true`, `1` or `TRUE`; only unset, empty, `0` or `false` mean a local run. */
function onCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase()
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false'
}

export interface Browser {
  readonly context: BrowserContext
  readonly page: Page
  close(): Promise<void>
}

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  /**
   * Accept certificates no public CA issued: for a provider served over https with the dev IdP's
   * own local CA, which Chromium's trust store does not hold.
   */
  ignoreHTTPSErrors?: boolean
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'idweb-e2e-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1000, height: 700 },
    ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
  })
  context.setDefaultTimeout(10_000)
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/** Saves a screenshot of the page as `<dir>/<name>.png` and returns the path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const folder = join(RESULTS_DIR, dir)
  await mkdir(folder, { recursive: true })
  const path = join(folder, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Runs `body`; when it fails, saves a screenshot under `test-results/e2e-failures/` first. */
export async function withFailureScreenshot(
  page: Page,
  name: string,
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body()
  } catch (err) {
    const file = await screenshot(page, 'e2e-failures', name.replace(/[^\w-]+/g, '-')).catch(
      () => undefined,
    )
    if (file && err instanceof Error) err.message += `\n  screenshot: ${file}`
    throw err
  }
}
