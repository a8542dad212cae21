// The https port (443) is one per machine, and the test files run two at a time: a suite that
// runs the dev IdP on it holds this lock first. It is the token cache file lock, on a file beside
// no cache: a holder that dies lets go with its pid.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lockCacheFile } from '../../src/public/file-lock.ts'

/** Waits until no other test process has the https port; resolves the release. */
export async function holdHttpsPort(): Promise<() => Promise<void>> {
  const lock = await lockCacheFile(join(tmpdir(), 'idweb-tests-https-port'), {
    timeoutMs: 240_000,
    staleMs: 600_000,
    retryMs: 100,
  })
  return () => lock.release()
}
