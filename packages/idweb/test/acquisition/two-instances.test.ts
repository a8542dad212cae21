// Two idweb instances in two processes on one shared store, against the dev IdP with strict
// refresh-token rotation: the store's lock makes one refresh serve both.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, startDevIdp } from '@idweb/dev-idp'
import type { IdwebOptions } from '../../src/config/options.ts'
import { alice, browserRequest, demo, SECRETS, startHarness } from '../web/harness.ts'

const INSTANCE = new URL('./fixtures/instance.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'idweb-two-instances-'))
const STORES = [
  'redis://127.0.0.1:6379',
  'postgres://postgres@127.0.0.1:5432/test',
  'mysql://root@127.0.0.1:3306/test',
  `file:${join(dir, 'cache')}`,
]
const HOURS_2 = 2 * 3600 * 1000

interface Outcome {
  failed: string[]
  tokens: string[]
}

/** Starts the other instance; resolves `go`, which runs its calls and resolves their outcome. */
async function otherInstance(job: object): Promise<() => Promise<Outcome>> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', INSTANCE, JSON.stringify(job)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  let out = ''
  const line = (n: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const lines = out.split('\n')
        if (lines.length > n) resolve(lines[n - 1] ?? '')
      }
      child.stdout?.on('data', (chunk) => {
        out += chunk
        check()
      })
      child.once('exit', (code) => reject(new Error(`the other instance exited (${code}): ${out}`)))
      check()
    })
  assert.equal(await line(1), 'ready')
  return async () => {
    child.stdin?.write('go\n')
    return JSON.parse(await line(2)) as Outcome
  }
}

describe('two processes on one store, strict refresh-token rotation', () => {
  let idp: DevIdp
  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1', rotateRefreshTokens: true })
  })
  after(async () => {
    await idp.close()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const store of STORES) {
    it(`${store.split(':')[0]}: 50 concurrent calls in each process with an expired access token → exactly one refresh grant, zero failures`, async () => {
      let offset = 0
      const h = await startHarness({
        sharedIdp: idp,
        // A timed-out reload or flush under 2×50 concurrent refreshes would replay a rotated
        // refresh token: give the real stores room on a loaded machine.
        app: { tokenCache: { store, storeTimeoutMs: 5000 } },
        deps: { clock: () => Date.now() + offset },
      })
      try {
        await h.idweb.ready()
        assert.equal((await h.signIn(alice)).callback.status, 303)
        const { user } = await h.idweb.authenticate(browserRequest(h))
        assert.ok(user)
        const options: IdwebOptions = {
          instance: `${idp.url}/`,
          tenantId: demo.tenants.contoso.domain,
          clientId: demo.apps.webApp.clientId,
          clientSecret: demo.apps.webApp.clientSecret,
          allowInsecureHttp: true,
          session: { secrets: SECRETS },
          tokenCache: { store, storeTimeoutMs: 5000 },
        }
        const go = await otherInstance({
          options,
          account: user.account,
          offsetMs: HOURS_2,
          calls: 50,
        })
        offset = HOURS_2 // both instances now see the access token as expired
        const grants = idp.grantCount('refresh_token')
        const [theirs, ours] = await Promise.all([
          go(),
          Promise.allSettled(
            Array.from({ length: 50 }, () => h.idweb.getTokenForUser(user, ['User.Read'])),
          ),
        ])
        const failed = ours.filter((r) => r.status === 'rejected')
        assert.deepEqual(failed, [], 'every call here succeeds')
        assert.deepEqual(theirs.failed, [], 'every call there succeeds')
        assert.equal(idp.grantCount('refresh_token') - grants, 1, 'exactly one refresh grant')
        const mine = new Set(ours.map((r) => (r.status === 'fulfilled' ? r.value.accessToken : '')))
        assert.deepEqual([...mine], theirs.tokens, 'both instances serve the one refreshed token')
        await h.idweb.acquirer.removeAccount(user.account.homeAccountId)
      } finally {
        await h.close()
      }
    })
  }
})
