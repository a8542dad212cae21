// A smoke run of the HTTP benchmark, small enough for `npm test`: every app starts, signs in
// through the dev IdP's forms, answers its route under autocannon without an error or a
// token-endpoint call, and the report has every section. The figures themselves are not judged.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { APP_KINDS } from './kinds.ts'
import { httpMarkdown, httpRatios } from './report.ts'
import { runHttpBench } from './run-http.ts'

describe('HTTP benchmark (smoke)', () => {
  it('drives the bare route, idweb, express-openid-connect and the msal-node pattern, then idweb with more users', async () => {
    const report = await runHttpBench({
      source: true,
      connections: 4,
      duration: 1,
      amount: 150,
      rounds: 1,
      warmup: { connections: 2, duration: 1, amount: 20 },
      users: [1, 25],
      profile: { connections: 2, duration: 1, amount: 100 },
    })
    assert.deepEqual(
      report.apps.map((a) => a.app),
      APP_KINDS,
    )
    for (const app of report.apps) {
      assert.equal(app.failures, 0, `${app.app} answered every request with 2xx`)
      assert.ok(app.requests >= 150, `${app.app}: ${app.requests} requests`)
      assert.ok(app.cpuMicrosPerRequest > 0 && app.requestsPerSecond > 0, app.app)
    }
    assert.equal(report.tokenCallsDuringLoad, 0, 'every token came from a cache')
    assert.deepEqual(
      report.users.map((u) => u.users),
      [1, 25],
    )
    for (const u of report.users) assert.equal(u.failures, 0, `${u.users} users`)
    assert.ok(report.profile.top.length > 0)
    const ratios = httpRatios(report)
    assert.ok(ratios.idwebShareOfBare > 0 && ratios.idwebOverMsalNode > 0)
    const markdown = httpMarkdown(report)
    for (const heading of ['side by side', 'more signed-in users', 'top 5 self time']) {
      assert.match(markdown, new RegExp(heading))
    }
    assert.match(markdown, /\| msal-node, sample pattern \|/)
  })
})
