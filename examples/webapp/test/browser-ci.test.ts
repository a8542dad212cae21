// The browser suite is never skipped on CI: without Chromium it fails there, and is skipped, saying
// why, only on a developer's machine. Runs the suite in a child process with CHROMIUM_PATH pointing
// at nothing.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, test } from 'node:test'

const root = new URL('../../../', import.meta.url).pathname
const suite = 'examples/webapp/test/e2e.browser.test.ts'

function runWithoutChromium(ci: string | undefined): { status: number | null; output: string } {
  const env: Record<string, string | undefined> = {
    ...process.env,
    CHROMIUM_PATH: '/nonexistent/chromium',
    CI: ci,
  }
  if (ci === undefined) delete env.CI
  // Not inherited from the runner: the child must report its own tests.
  delete env.NODE_TEST_CONTEXT
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--test', suite],
    { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
  )
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

describe('the browser suite without Chromium', () => {
  for (const ci of ['true', '1', 'TRUE']) {
    test(`fails under CI=${ci}, naming the missing browser`, () => {
      const { status, output } = runWithoutChromium(ci)
      assert.notEqual(status, 0, output)
      assert.match(output, /Chromium not found at \/nonexistent\/chromium/)
      assert.match(output, /the browser suite must run/)
    })
  }

  test('is skipped, saying why, outside CI', () => {
    const { status, output } = runWithoutChromium(undefined)
    assert.equal(status, 0, output)
    assert.match(output, /# SKIP Chromium not found/)
  })
})
