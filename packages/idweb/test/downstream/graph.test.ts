import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AuthenticationHandlerOptions } from '@microsoft/microsoft-graph-client'
import { graphAuthProvider } from '../../src/downstream/graph-auth-provider.ts'
import { createGraphClient } from '../../src/downstream/graph-client.ts'
import { tokenCredential } from '../../src/downstream/token-credential.ts'
import { tokenGetter } from '../../src/downstream/token-getter.ts'
import { InteractionRequiredError, isIdwebError } from '../../src/errors.ts'
import {
  acquirerWith,
  apiConfig,
  bearerOf,
  json,
  type LocalServer,
  seedApp,
  seedUser,
  signedInUser,
  startServer,
} from './support.ts'

describe('Microsoft Graph SDK client against a local Graph emulation', () => {
  let graph: LocalServer
  const user = signedInUser()
  let getToken: ReturnType<typeof tokenGetter>

  before(async () => {
    graph = await startServer((req, res) => {
      if (req.url.startsWith('/graph/v1.0/me')) {
        return json(res, 200, { id: 'alice-oid', displayName: 'Alice', mail: 'alice@contoso.com' })
      }
      json(res, 404, { error: { code: 'Request_ResourceNotFound', message: 'no such thing' } })
    })
    const { acquirer, cache } = acquirerWith()
    await seedUser(cache, 'graph-user-token', ['User.Read'])
    await seedUser(cache, 'graph-mail-token', ['Mail.Read'])
    getToken = tokenGetter(acquirer, user)
  })
  after(() => graph.close())

  const apis = () => ({
    Graph: apiConfig('Graph', `${graph.origin}/graph/v1.0/`, { scopes: ['User.Read'] }),
  })

  it('calls /v1.0/me under the configured base URL with the user token', async () => {
    const client = await createGraphClient({ apis: apis(), getToken })
    const me = await client.api('/me').select('displayName').get()
    assert.deepEqual(me, { id: 'alice-oid', displayName: 'Alice', mail: 'alice@contoso.com' })
    const seen = graph.seen.at(-1)!
    assert.equal(new URL(seen.url, 'http://x').pathname, '/graph/v1.0/me')
    assert.equal(bearerOf(seen), 'graph-user-token')
  })

  it("asks for a request's own scopes when it names some", async () => {
    const client = await createGraphClient({ apis: apis(), getToken })
    await client
      .api('/me/messages')
      .middlewareOptions([new AuthenticationHandlerOptions(undefined, { scopes: ['Mail.Read'] })])
      .get()
      .catch(() => undefined)
    assert.equal(bearerOf(graph.seen.at(-1)!), 'graph-mail-token')
  })

  it('raises the interaction-required error of token acquisition, not the SDK wrapper', async () => {
    // Nobody signed in as "bob" in this cache (a restart): acquisition needs interaction.
    const { acquirer } = acquirerWith()
    const getBobToken = tokenGetter(acquirer, signedInUser('bob'))
    const client = await createGraphClient({ apis: apis(), getToken: getBobToken })
    const calls = graph.seen.length
    await assert.rejects(
      client
        .api('/users')
        .middlewareOptions([
          new AuthenticationHandlerOptions(undefined, { scopes: ['User.ReadBasic.All'] }),
        ])
        .get(),
      (err) => {
        assert.ok(isIdwebError(err, 'IDW_INTERACTION_REQUIRED'), String(err))
        return true
      },
    )
    assert.equal(graph.seen.length, calls, 'nothing sent without a token')
  })

  it("concurrent sends of one request keep their own outcome, and the app's options hold", async () => {
    const { acquirer, cache } = acquirerWith()
    await seedUser(cache, 'graph-user-token', ['User.Read'])
    await seedUser(cache, 'graph-mail-token', ['Mail.Read'])
    let fail = true
    const flaky = tokenGetter(acquirer, user)
    const client = await createGraphClient({
      apis: apis(),
      // The first send's token acquisition fails, the second's succeeds.
      getToken: async (scopes) => {
        if (fail) {
          fail = false
          await new Promise((r) => setTimeout(r, 20))
          throw new InteractionRequiredError('consent_required', ['Never.Granted'])
        }
        return flaky(scopes)
      },
    })
    const me = client.api('/me')
    const [first, second] = await Promise.allSettled([me.get(), me.get()])
    assert.equal(first.status, 'rejected')
    const reason = (first as PromiseRejectedResult).reason
    assert.ok(isIdwebError(reason, 'IDW_INTERACTION_REQUIRED'), String(reason))
    assert.equal(second.status, 'fulfilled')
    const mail = client
      .api('/me/messages')
      .middlewareOptions([new AuthenticationHandlerOptions(undefined, { scopes: ['Mail.Read'] })])
    await mail.get().catch(() => undefined)
    await mail.get().catch(() => undefined)
    assert.equal(bearerOf(graph.seen.at(-1)!), 'graph-mail-token', 'per-request scopes kept')
  })

  it('names the missing Graph entry', async () => {
    await assert.rejects(createGraphClient({ apis: {}, getToken }), (err) => {
      assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'))
      assert.match(err.message, /DownstreamApis\.Graph/)
      return true
    })
  })
})

describe('graphAuthProvider', () => {
  it('asks for the default scopes, or the per-request ones, and returns the token string', async () => {
    const asked: (readonly string[])[] = []
    const provider = graphAuthProvider(
      async (scopes) => {
        asked.push(scopes)
        return asked.length === 1 ? 'plain-string' : { accessToken: 'from-acquired-token' }
      },
      ['User.Read'],
    )
    assert.equal(await provider.getAccessToken(), 'plain-string')
    assert.equal(await provider.getAccessToken({ scopes: ['Mail.Read'] }), 'from-acquired-token')
    assert.deepEqual(asked, [['User.Read'], ['Mail.Read']])
  })
})

describe('tokenCredential (Azure SDK TokenCredential shape)', () => {
  it('returns the cached app token with its expiry, for a string or a list of scopes', async () => {
    const { acquirer, cache } = acquirerWith()
    await seedApp(cache, 'storage-app-token', ['https://storage.azure.com/.default'])
    const credential = tokenCredential(tokenGetter(acquirer, undefined, { requestAppToken: true }))
    const single = await credential.getToken('https://storage.azure.com/.default')
    assert.ok(single)
    assert.equal(single.token, 'storage-app-token')
    assert.equal(single.tokenType, 'Bearer')
    assert.equal(typeof single.expiresOnTimestamp, 'number')
    const inAnHour = Date.now() + 3600_000
    assert.ok(Math.abs(single.expiresOnTimestamp - inAnHour) < 60_000, 'expiry is not epoch ms')
    const listed = await credential.getToken(['https://storage.azure.com/.default'])
    assert.equal(listed?.token, 'storage-app-token')
  })

  it("passes the SDK's claims challenge to the getter", async () => {
    const seen: (string | undefined)[] = []
    const credential = tokenCredential(async (_scopes, options) => {
      seen.push(options?.claims)
      return { accessToken: 't', expiresOn: new Date(0) }
    })
    await credential.getToken('https://vault.azure.net/.default', { claims: '{"access_token":{}}' })
    assert.deepEqual(seen, ['{"access_token":{}}'])
  })

  it('refuses user tokens without a user', () => {
    const { acquirer } = acquirerWith()
    assert.throws(
      () => tokenGetter(acquirer, undefined),
      (err) => isIdwebError(err, 'IDW_NOT_SIGNED_IN'),
    )
  })
})
