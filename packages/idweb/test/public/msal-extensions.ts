import { spawnSync } from 'node:child_process'
import type { TestContext } from 'node:test'
import { PYTHON } from '../cache/msal-python.ts'

export { PYTHON }

const missing = spawnSync(PYTHON, ['-c', 'import msal_extensions'], { stdio: 'ignore' }).status

/**
 * Whether MSAL Python's persistence extensions are here to test against. Outside CI their absence
 * skips the test; in CI it fails the run.
 */
export function msalExtensionsReady(t: TestContext): boolean {
  if (missing === 0) return true
  const why = 'python3-msal-extensions is not installed (apt-get install python3-msal-extensions)'
  if (process.env.CI === 'true') throw new Error(why)
  t.skip(why)
  return false
}
