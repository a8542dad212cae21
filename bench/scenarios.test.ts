import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeAccounts } from './data.ts'
import {
  cleanStores,
  idwebOverStore,
  msalNodeDistributed,
  populateStore,
  type StoreTargets,
} from './distributed.ts'
import { microsPerCall } from './measure.ts'
import { idwebSilentHit, msalNodeSilentHit } from './scenarios.ts'
import { sessionRead } from './session.ts'

describe('bench scenarios (smoke, small N)', () => {
  it('idweb and msal-node serve the same cached token, offline', async () => {
    const accounts = makeAccounts(5)
    const expected = accounts[2]!.accessToken
    const scenarios = [
      await idwebSilentHit(5, { accounts }),
      await idwebSilentHit(5, { accounts, rotate: true }),
      await msalNodeSilentHit(5, { accounts }),
    ]
    for (const s of scenarios) {
      const tokens = new Set<string>()
      for (let i = 0; i < 5; i++) tokens.add(await s.run())
      if (s.name.includes('every account')) assert.equal(tokens.size, 5, s.name)
      else assert.deepEqual([...tokens], [expected], s.name)
      assert.equal(s.networkCalls(), 0, s.name)
      const { micros } = await microsPerCall(() => s.run(), { budgetMs: 20, minCalls: 3 })
      assert.ok(micros > 0, s.name)
    }
  })
})

describe('session read scenarios (smoke)', () => {
  it('open the session with the check off, in memory and over a store, and time it', async () => {
    for (const mode of ['off', 'memory', 'shared store'] as const) {
      const scenario = await sessionRead(mode, 3)
      assert.match(await scenario.run(), /^[\w-]{40,}$/, scenario.name)
      assert.equal(await scenario.check(), false, 'the session read is not a revoked one')
      const { micros } = await microsPerCall(() => scenario.run(), { budgetMs: 20, minCalls: 3 })
      assert.ok(micros > 0)
    }
  })
})

describe('shared-store scenarios (smoke, on the local Redis and PostgreSQL)', () => {
  it('idweb over Redis and PostgreSQL, with and without L1, and msal-node on Redis serve the same token, offline', async () => {
    const accounts = makeAccounts(5)
    const expected = accounts[2]!.accessToken
    const targets: StoreTargets = {
      redis: 'redis://127.0.0.1:6379',
      postgres: 'postgres://postgres@127.0.0.1:5432/test',
      table: `idweb_bench_smoke_${process.pid}`,
    }
    try {
      await populateStore('redis', accounts, targets)
      await populateStore('postgres', accounts, targets)
      const scenarios = [
        await idwebOverStore('redis', accounts, targets, 'l1'),
        await idwebOverStore('redis', accounts, targets, 'none'),
        await idwebOverStore('postgres', accounts, targets, 'none'),
        await msalNodeDistributed(accounts, targets),
      ]
      for (const s of scenarios) {
        assert.equal(await s.run(), expected, s.name)
        assert.equal(await s.run(), expected, s.name)
        assert.equal(s.networkCalls(), 0, s.name)
        await s.close()
      }
      const bounded = await idwebOverStore('redis', accounts, targets, 'bounded', 1)
      const tokens = new Set<string>()
      for (let i = 0; i < 5; i++) tokens.add(await bounded.run())
      assert.equal(tokens.size, 5, 'every account in turn')
      await bounded.close()
    } finally {
      await cleanStores(targets)
    }
  })
})
