// A smoke run of the HTTP benchmark, small enough for `npm test`: every app (bare and idweb on
// Express, Fastify and Hono, and Express's peers) starts, signs in through the dev IdP's forms,
// answers its route with the user's name and a token, refuses a request without a cookie unless
// it is a bare route, answers under autocannon without an error or a token-endpoint call, and
// every idweb route answers users seeded into its cache. The figures themselves are not judged.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { APP_KINDS, FRAMEWORKS, isBare, isIdweb } from './kinds.ts'
import { httpMarkdown, httpRatios } from './report.ts'
import { runHttpBench } from './run-http.ts'

describe('HTTP benchmark (smoke)', () => {
  it('drives a bare and an idweb route on every framework, and the peers, then idweb with more users', async () => {
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
      if (isBare(app.app)) assert.equal(app.anonymousStatus, 200, app.app)
      else assert.ok([302, 303, 401].includes(app.anonymousStatus), `${app.app} refused anonymous`)
    }
    assert.equal(report.tokenCallsDuringLoad, 0, 'every token came from a cache')
    const idwebApps = APP_KINDS.filter(isIdweb)
    assert.equal(idwebApps.length, FRAMEWORKS.length)
    assert.deepEqual(
      report.users.map((u) => `${u.app} ${u.users}`),
      idwebApps.flatMap((app) => [`${app} 1`, `${app} 25`]),
    )
    for (const u of report.users) assert.equal(u.failures, 0, `${u.app}, ${u.users} users`)
    assert.deepEqual(
      report.profiles.map((p) => p.app),
      idwebApps,
    )
    for (const p of report.profiles) {
      assert.ok(p.top.length > 0, p.app)
      assert.ok(p.idwebPercent > 0 && p.idwebPercent < 100, `${p.app}: ${p.idwebPercent}%`)
    }
    const ratios = httpRatios(report)
    for (const f of FRAMEWORKS) assert.ok(ratios.frameworks[f].idwebShareOfBare > 0, f)
    assert.ok(ratios.idwebOverMsalNode > 0 && ratios.idwebOverExpressOpenidConnect > 0)
    const markdown = httpMarkdown(report)
    for (const heading of [
      'next to the bare route of each framework',
      'Express 5: `GET /hello`',
      'Fastify 5: `GET /hello`',
      'Hono 4 on @hono/node-server: `GET /hello`',
      'more signed-in users',
      'top 5 self time',
    ]) {
      assert.ok(markdown.includes(heading), heading)
    }
    assert.match(markdown, /\| msal-node, sample pattern \|/)
  })
})
