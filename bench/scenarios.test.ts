import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeAccounts } from './data.ts'
import { microsPerCall } from './measure.ts'
import { idwebSilentHit, msalNodeSilentHit } from './scenarios.ts'

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
