// The edge session check on WebCrypto alone: idweb/next/edge is loaded in a Node process where
// every Node built-in that idweb's sources or jose import fails to resolve, and
// process.getBuiltinModule is gone, as on Next.js's edge runtime. It must load, open a real
// session cookie and refuse a forged one. A guard that fails to guard would let the second test's
// deliberate import through.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createSessionManager } from '../../../src/session/index.ts'
import { HTTPS, Jar, SECRET_A, USER } from '../../session/helpers.ts'

const hooks = fileURLToPath(new URL('./fixtures/no-node-builtins.mjs', import.meta.url))
const child = fileURLToPath(new URL('./fixtures/edge-child.mts', import.meta.url))

function runGuarded(script: string, env: Record<string, string>) {
  return spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--import', hooks, script],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 },
  )
}

describe('idweb/next/edge without Node built-ins', () => {
  it('loads, opens a real session cookie and refuses a forged one', async () => {
    const sessions = createSessionManager({ secrets: [SECRET_A] })
    const jar = new Jar().apply(await sessions.commit(new Request(HTTPS), sessions.create(USER)))
    const result = runGuarded(child, {
      IDWEB_TEST_SECRET: SECRET_A,
      IDWEB_TEST_COOKIE: jar.header(),
    })
    assert.equal(result.status, 0, result.stderr)
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}')
    assert.deepEqual(out, {
      found: { signedIn: true, claims: USER.claims },
      refused: 302,
      getBuiltinModule: 'undefined',
    })
  })

  it('the guard does refuse a Node built-in imported from idweb sources', () => {
    // The session manager seals with node:crypto's random ids: it must not load under the guard.
    const probe = fileURLToPath(new URL('./fixtures/edge-guard-probe.mts', import.meta.url))
    const result = runGuarded(probe, {})
    assert.notEqual(result.status, 0)
    assert.match(result.stderr, /edge runtime: .* imports the Node built-in node:/)
  })
})
