// createDaemon against the dev IdP: an app with no user and no session, its app tokens cached,
// and RequestAppToken honoured by the daemon's callApi and by an Express request's
// req.identity.callApi alike, as a protected API sees it (roles, no scp).
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import express from 'express'
import { idwebMiddleware } from '../../src/adapters/express/index.ts'
import { createBearerValidator } from '../../src/api/index.ts'
import {
  type ConfigError,
  createDaemon,
  createIdweb,
  type Daemon,
  type IdwebOptions,
  isIdwebError,
  loadAppSettings,
} from '../../src/index.ts'
import { listen, sessionCookieFor } from '../adapters/express/support.ts'

/** The claims of the bearer token each request to the probe carried. */
type Seen = { azp?: string; roles?: string[]; scp?: string; isAppOnly: boolean }

describe('createDaemon: an app without users', () => {
  let idp: DevIdp
  let probe: { url: string; seen: Seen[]; close(): Promise<void> }
  const opened: { close(): Promise<void> }[] = []
  const base = (): IdwebOptions => ({
    instance: `${idp.url}/`,
    tenantId: demo.tenants.contoso.id,
    allowInsecureHttp: true,
  })
  const daemonOptions = (apis: IdwebOptions['downstreamApis'] = {}): IdwebOptions => ({
    ...base(),
    clientId: demo.apps.daemon.clientId,
    clientSecret: demo.apps.daemon.clientSecret,
    downstreamApis: apis,
  })
  const daemonWith = (options: IdwebOptions): Daemon => {
    const daemon = createDaemon(options, { env: {} })
    opened.push(daemon)
    return daemon
  }
  const probeApi = (extra: { requestAppToken?: boolean; scopes?: string[] } = {}) => ({
    baseUrl: `${probe.url}/`,
    scopes: [demo.apps.todoApi.defaultScope],
    ...extra,
  })

  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
    probe = await startProbe(idp.url)
  })
  after(async () => {
    await Promise.allSettled(opened.map((o) => o.close()))
    await probe.close()
    await idp.close()
  })

  it('needs no session secrets, and gets app tokens it then serves from its cache', async () => {
    const daemon = daemonWith(daemonOptions())
    assert.equal(daemon.config.session, undefined)
    await daemon.ready()
    const grants = idp.grantCount('client_credentials')
    const token = await daemon.getTokenForApp([demo.apps.todoApi.defaultScope])
    assert.equal(token.fromCache, false)
    const again = await daemon.getTokenForApp([demo.apps.todoApi.defaultScope])
    assert.equal(again.fromCache, true)
    assert.equal(again.accessToken, token.accessToken)
    assert.equal(idp.grantCount('client_credentials'), grants + 1)
    const forced = await daemon.getTokenForApp([demo.apps.todoApi.defaultScope], {
      forceRefresh: true,
    })
    assert.equal(forced.fromCache, false)
    assert.equal(idp.grantCount('client_credentials'), grants + 2)
  })

  it('callApi with RequestAppToken: true sends an app token: roles and no scp', async () => {
    const daemon = daemonWith(daemonOptions({ Probe: probeApi({ requestAppToken: true }) }))
    const before = probe.seen.length
    assert.deepEqual(await daemon.callApi<Seen>('Probe'), probe.seen.at(-1))
    const seen = probe.seen.slice(before)
    assert.equal(seen.length, 1)
    assert.deepEqual(seen[0], {
      azp: demo.apps.daemon.clientId,
      roles: [demo.apps.todoApi.appRoles.readAll],
      isAppOnly: true,
    })
    const raw = await daemon.callApiRaw('Probe')
    assert.equal(raw.status, 200)
    await raw.body?.cancel()
  })

  it('refuses an entry without RequestAppToken, naming the setting, before any call', async () => {
    const fromCode = daemonWith(daemonOptions({ Probe: probeApi({ requestAppToken: false }) }))
    const fromFile = daemonWith(
      loadAppSettings(
        {
          AzureAd: { ...daemonOptions(), downstreamApis: undefined },
          DownstreamApis: { Probe: { BaseUrl: `${probe.url}/`, Scopes: ['api://x/.default'] } },
        },
        { env: {} },
      ),
    )
    const before = probe.seen.length
    for (const [daemon, key] of [
      [fromCode, 'downstreamApis.Probe.requestAppToken'],
      [fromFile, 'DownstreamApis.Probe.RequestAppToken'],
    ] as const) {
      for (const call of [daemon.callApi('Probe'), daemon.callApiRaw('Probe')]) {
        await assert.rejects(call, (err: unknown) => {
          assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'), String(err))
          assert.equal((err as ConfigError).key, key)
          assert.match((err as Error).message, /no signed-in user/)
          return true
        })
      }
    }
    await assert.rejects(fromCode.callApi('Nope'), (err: unknown) =>
      isIdwebError(err, 'IDW_CONFIG_INVALID'),
    )
    assert.equal(probe.seen.length, before, 'nothing reached the API')
    // A call may still ask for the app token itself.
    const seen = await fromCode.callApi<Seen>('Probe', { requestAppToken: true })
    assert.equal(seen.isAppOnly, true)
  })

  it('refuses a configuration without a credential at startup', () => {
    assert.throws(
      () =>
        createDaemon(
          { ...base(), clientId: demo.apps.cli.clientId, allowPublicClient: true },
          { env: {} },
        ),
      (err: unknown) =>
        isIdwebError(err, 'IDW_CONFIG_INVALID') &&
        (err as ConfigError).key === 'clientCredentials' &&
        /a daemon gets its tokens by client credentials/.test((err as Error).message),
    )
  })

  it('ready() reports an unreachable provider, unless told not to verify', async () => {
    const daemon = daemonWith({ ...daemonOptions(), instance: 'http://127.0.0.1:9/' })
    await assert.rejects(daemon.ready(), (err: unknown) =>
      isIdwebError(err, 'IDW_DISCOVERY_FAILED'),
    )
    await daemon.ready({ verify: false })
  })

  it('req.identity.callApi sends the app token for a RequestAppToken entry, signed in or not', async () => {
    const idweb = createIdweb(
      {
        ...base(),
        clientId: demo.apps.webApp.clientId,
        clientSecret: demo.apps.webApp.clientSecret,
        session: { secrets: ['a-session-secret-for-daemon-tests-000001'] },
        downstreamApis: { Probe: probeApi({ requestAppToken: true }) },
      },
      { env: {} },
    )
    opened.push(idweb)
    const app = express()
    app.use(idwebMiddleware(idweb))
    app.get('/probe', async (req, res) => {
      res.json({ user: req.identity.isAuthenticated, seen: await req.identity.callApi('Probe') })
    })
    const server = await listen(app)
    try {
      // The session's user has no tokens at all: a user token could only fail.
      const cookie = await sessionCookieFor(idweb, server.url)
      for (const headers of [{}, { cookie }] as Record<string, string>[]) {
        const res = await fetch(`${server.url}/probe`, { headers })
        assert.equal(res.status, 200)
        const body = (await res.json()) as { user: boolean; seen: Seen }
        assert.equal(body.user, 'cookie' in headers)
        assert.deepEqual(body.seen, {
          azp: demo.apps.webApp.clientId,
          roles: [demo.apps.todoApi.appRoles.readAll],
          isAppOnly: true,
        })
      }
    } finally {
      await server.close()
    }
  })
})

/** A protected API (the todo API's audience) that answers the claims of each token it accepts. */
async function startProbe(
  idpUrl: string,
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const validator = createBearerValidator({
    discoveryUrl: `${idpUrl}/${demo.tenants.contoso.id}/v2.0/.well-known/openid-configuration`,
    clientId: demo.apps.todoApi.clientId,
  })
  const seen: Seen[] = []
  const server: Server = createServer((req, res) => {
    validator.authenticate(req.headersDistinct).then(
      (principal) => {
        const { azp, roles, scp } = principal.claims as Omit<Seen, 'isAppOnly'>
        const entry: Seen = { azp, roles, scp, isAppOnly: principal.isAppOnly }
        seen.push(JSON.parse(JSON.stringify(entry)))
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entry))
      },
      () => res.writeHead(401).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
