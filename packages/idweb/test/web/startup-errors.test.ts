// What a misconfigured app hears at startup (createIdweb, then `await idweb.ready()`), before any
// request: the setting to change and how, not a failure blamed on the first sign-in.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { loadAppSettings } from '../../src/config/app-settings.ts'
import type { IdwebOptions } from '../../src/config/options.ts'
import { ConfigError, isIdwebError, ProtocolError } from '../../src/errors.ts'
import { createIdweb } from '../../src/web/idweb.ts'
import { captureLogger } from '../api/support/capture-logger.ts'
import { SECRETS } from './harness.ts'

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** An import that finds every package but `missing`, as when it is not installed. */
function without(missing: string) {
  return async (specifier: string) => {
    if (specifier === missing || specifier.startsWith(`${missing}/`)) {
      const err = new Error(`Cannot find package '${missing}'`) as Error & { code: string }
      err.code = 'ERR_MODULE_NOT_FOUND'
      throw err
    }
    return import(specifier)
  }
}

describe('startup errors say what to do', () => {
  let idp: DevIdp
  const app = (over: Partial<IdwebOptions> = {}): IdwebOptions => ({
    instance: `${idp.url}/`,
    tenantId: demo.tenants.contoso.domain,
    clientId: demo.apps.webApp.clientId,
    clientSecret: demo.apps.webApp.clientSecret,
    allowInsecureHttp: true,
    session: { secrets: SECRETS },
    ...over,
  })
  const settings = (idweb: Record<string, unknown>) =>
    loadAppSettings(
      {
        AzureAd: {
          Instance: `${idp.url}/`,
          TenantId: demo.tenants.contoso.domain,
          ClientId: demo.apps.webApp.clientId,
          ClientSecret: demo.apps.webApp.clientSecret,
          AllowInsecureHttp: true,
        },
        ...idweb,
      },
      { env: {} },
    )

  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
  })
  after(() => idp.close())

  // First, before any other test of this file logs them: warnings print once per process.
  it('prints the INSECURE warnings once: not before a refused start, not again on a second createIdweb', async () => {
    const logger = captureLogger()
    const insecure = () => logger.lines.filter((l) => /INSECURE/.test(l.message))
    const refused = { ...app(), session: undefined }
    assert.throws(() => createIdweb(refused, { env: {}, logger }), ConfigError)
    assert.throws(() => createIdweb(refused, { env: {}, logger }), ConfigError)
    assert.deepEqual(insecure(), [], 'a refused start shows its error alone')
    const first = createIdweb(app(), { env: {}, logger })
    assert.deepEqual(
      insecure().map((l) => l.message),
      [
        'INSECURE: allowInsecureHttp is on; never use this setting in production',
        'INSECURE: the identity provider is reached over plain http; for local development only',
      ],
    )
    const second = createIdweb(app(), { env: {}, logger })
    assert.equal(insecure().length, 2, 'a second createIdweb repeats nothing')
    await Promise.all([first.close(), second.close()])
  })

  describe('a missing optional package is reported by ready(), with its npm install line', () => {
    const cases = [
      {
        what: 'the Graph SDK, for a Graph downstream API',
        options: () =>
          settings({
            Idweb: { Session: { Secrets: SECRETS } },
            DownstreamApis: {
              Graph: { BaseUrl: `http://127.0.0.1:1/graph/v1.0`, Scopes: ['User.Read'] },
            },
          }),
        missing: '@microsoft/microsoft-graph-client',
        message: /^DownstreamApis\.Graph: .*`npm install @microsoft\/microsoft-graph-client`/,
      },
      {
        what: 'ioredis, for a redis:// token cache',
        options: () =>
          settings({
            Idweb: {
              Session: { Secrets: SECRETS },
              TokenCache: { Store: 'redis://127.0.0.1:6379' },
            },
          }),
        missing: 'ioredis',
        message: /^Idweb\.TokenCache\.Store: .*`npm install ioredis`/,
      },
      {
        what: 'pg, for a postgres:// session store',
        options: () =>
          settings({
            Idweb: {
              Session: { Secrets: SECRETS, Store: 'postgres://idweb@127.0.0.1:5432/idweb' },
            },
          }),
        missing: 'pg',
        message: /^Idweb\.Session\.Store: .*`npm install pg`/,
      },
      {
        what: 'mysql2, for a mysql:// token cache',
        options: () =>
          settings({
            Idweb: {
              Session: { Secrets: SECRETS },
              TokenCache: { Store: 'mysql://idweb@127.0.0.1:3306/idweb' },
            },
          }),
        missing: 'mysql2',
        message: /^Idweb\.TokenCache\.Store: .*`npm install mysql2`/,
      },
    ]
    for (const c of cases) {
      it(c.what, async () => {
        const idweb = createIdweb(c.options(), { env: {}, importPeer: without(c.missing) })
        await assert.rejects(idweb.ready({ verify: false }), (err) => {
          assert.ok(err instanceof ConfigError, String(err))
          assert.match(err.message, c.message)
          return true
        })
        await idweb.close()
      })
    }

    it('loads the real packages by default', async () => {
      const idweb = createIdweb(
        app({
          downstreamApis: { Graph: { baseUrl: `${idp.url}/graph/v1.0`, scopes: ['User.Read'] } },
        }),
        { env: {} },
      )
      await idweb.ready()
      await idweb.close()
    })
  })

  it('ready() fetches discovery: the first sign-in reuses it', async () => {
    let discoveries = 0
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/.well-known/openid-configuration')) discoveries++
      return fetch(input, init)
    }
    const idweb = createIdweb(app(), { env: {}, fetch: counting })
    await idweb.ready()
    assert.equal(discoveries, 1)
    assert.ok((await idweb.protocol()).as.issuer.startsWith(idp.url))
    assert.equal(discoveries, 1)
    await idweb.close()
  })

  it('an unreachable provider: ready() names the URL and the system error', async () => {
    const port = await closedPort()
    const idweb = createIdweb(app({ instance: `http://127.0.0.1:${port}/` }), { env: {} })
    await assert.rejects(idweb.ready(), (err) => {
      assert.ok(isIdwebError(err, 'IDW_DISCOVERY_FAILED'), String(err))
      assert.match(
        err.message,
        new RegExp(
          `cannot reach http://127\\.0\\.0\\.1:${port}/\\S+: ECONNREFUSED; is the identity provider running`,
        ),
      )
      assert.doesNotMatch(err.message, /fetch failed/)
      return true
    })
    // verify: false does not wait on the provider.
    await idweb.ready({ verify: false })
    await idweb.close()
  })

  it("a wrong tenant: ready() gives the provider's own error (AADSTS90002), not a parse failure", async () => {
    const idweb = createIdweb(app({ tenantId: 'nope.example' }), { env: {} })
    await assert.rejects(idweb.ready(), (err) => {
      assert.ok(err instanceof ProtocolError, String(err))
      assert.equal(err.code, 'IDW_DISCOVERY_FAILED')
      assert.equal(err.error, 'invalid_tenant')
      assert.deepEqual(err.errorCodes, [90002])
      assert.match(err.message, /AADSTS90002/)
      assert.match(err.message, /Tenant 'nope\.example' not found/)
      assert.doesNotMatch(err.message, /conform/)
      return true
    })
    await idweb.close()
  })

  describe('missing session secrets name the appsettings key and its environment form', () => {
    for (const [what, idweb] of [
      ['no Idweb section', {}],
      ['an empty list', { Idweb: { Session: { Secrets: [] } } }],
    ] as const) {
      it(what, () => {
        assert.throws(
          () => createIdweb(settings(idweb), { env: {} }),
          (err) => {
            assert.ok(err instanceof ConfigError)
            assert.equal(err.key, 'Idweb.Session.Secrets')
            assert.match(err.message, /Idweb__Session__Secrets__0/)
            assert.doesNotMatch(err.message, /session\.secrets/)
            return true
          },
        )
      })
    }

    it('options written in code: the option, and where it goes in appsettings', () => {
      assert.throws(
        () => createIdweb({ ...app(), session: undefined }, { env: {} }),
        (err) => {
          assert.ok(err instanceof ConfigError)
          assert.equal(err.key, 'session.secrets')
          assert.match(
            err.message,
            /session: \{ secrets: \[\.\.\.\] \}.*Idweb\.Session\.Secrets.*Idweb__Session__Secrets__0/,
          )
          return true
        },
      )
    })
  })
})
