// PublicClient against the dev IdP: the browser and device-code sign-ins played over HTTP, the
// tokens in one cache file, silent acquisition from it (in another instance, as another process
// would), the refresh by the file's refresh token, and the account list.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { completeDeviceCode, signInInteractively } from '@idweb/dev-idp/testing'
import { isIdwebError } from '../../src/index.ts'
import { createPublicClient, type PublicClient } from '../../src/public/index.ts'

const alice = demo.users.alice
const bob = demo.users.bob
const todoScope = demo.apps.todoApi.scope

describe('PublicClient against the dev IdP', () => {
  let idp: DevIdp
  let dir: string
  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
    dir = mkdtempSync(join(tmpdir(), 'idweb-public-'))
  })
  after(async () => {
    await idp.close()
    rmSync(dir, { recursive: true, force: true })
  })

  let n = 0
  const clientAt = (path = join(dir, `cache-${++n}.json`), through?: typeof fetch): PublicClient =>
    createPublicClient(
      {
        instance: `${idp.url}/`,
        tenantId: 'organizations',
        clientId: demo.apps.cli.clientId,
        allowInsecureHttp: true,
      },
      { cache: path, env: {}, ...(through ? { fetch: through } : {}) },
    )
  /** The form body of a provider request, as text. */
  const bodyOf = (init?: RequestInit) =>
    init?.body instanceof URLSearchParams ? init.body.toString() : String(init?.body ?? '')

  /** What a browser does with the sign-in URL: signs in, then lands on the loopback redirect. */
  const browserAs =
    (user: { username: string; password: string }, landed: number[] = []) =>
    async (url: string) => {
      const result = await signInInteractively(url, user)
      assert.equal(result.kind, 'redirect')
      const redirect = result.redirectUrl as URL
      assert.equal(redirect.hostname, 'localhost')
      const page = await fetch(redirect)
      landed.push(page.status)
      assert.match(await page.text(), /signed in/i)
      return true
    }

  it('signs in with the browser on a loopback redirect, PKCE, and caches the tokens in the file', async () => {
    const client = clientAt()
    const landed: number[] = []
    const token = await client.acquireTokenInteractive({
      scopes: [todoScope],
      openBrowser: browserAs(alice, landed),
    })
    assert.deepEqual(landed, [200])
    assert.equal(token.fromCache, false)
    assert.equal(token.account.username, alice.username)
    assert.equal(token.account.tenantId, demo.tenants.contoso.id)
    const file = JSON.parse(readFileSync(client.file.path, 'utf8'))
    assert.equal(Object.keys(file.Account).length, 1)
    assert.equal(Object.keys(file.RefreshToken).length, 1)
    assert.equal(statSync(client.file.path).mode & 0o777, 0o600)

    // Another instance on the same file (as another process would be) is served from it.
    const other = clientAt(client.file.path)
    const silent = await other.acquireTokenSilent({ scopes: [todoScope] })
    assert.equal(silent.fromCache, true)
    assert.equal(silent.accessToken, token.accessToken)
    assert.equal(idp.grants.count('refresh_token'), 0)
  })

  it('refreshes from the file when the access token expired, and writes the new tokens back', async () => {
    const client = clientAt()
    await client.acquireTokenInteractive({ scopes: [todoScope], openBrowser: browserAs(alice) })
    const path = client.file.path
    const file = JSON.parse(readFileSync(path, 'utf8'))
    for (const at of Object.values<{ expires_on: string }>(file.AccessToken)) {
      at.expires_on = String(Math.floor(Date.now() / 1000) - 60)
    }
    writeFileSync(path, JSON.stringify(file))
    idp.grants.reset()
    const other = clientAt(path)
    const refreshed = await other.acquireTokenSilent({ scopes: [todoScope] })
    assert.equal(refreshed.fromCache, false)
    assert.ok(refreshed.expiresOn.getTime() > Date.now() + 60_000)
    assert.equal(idp.grants.count('refresh_token'), 1)
    const again = await clientAt(path).acquireTokenSilent({ scopes: [todoScope] })
    assert.equal(again.fromCache, true)
    assert.equal(again.accessToken, refreshed.accessToken)
    assert.equal(idp.grants.count('refresh_token'), 1)
  })

  it('signs in with a device code entered on the provider page', async () => {
    const client = clientAt()
    let shown = ''
    const done: Promise<unknown>[] = []
    const token = await client.acquireTokenByDeviceCode({
      scopes: [todoScope],
      onCode: (code) => {
        shown = code.message
        assert.match(code.userCode, /^[A-Z]{4}-[A-Z]{4}$/)
        done.push(completeDeviceCode(code.verificationUri, code.userCode, bob))
      },
      sleep: () => Promise.all(done).then(() => {}),
    })
    assert.match(shown, /enter the code/)
    assert.equal(token.account.username, bob.username)
    const accounts = await client.getAccounts()
    assert.deepEqual(
      accounts.map((a) => a.username),
      [bob.username],
    )
  })

  it('several accounts: silent needs one named; remove takes one out and keeps the other', async () => {
    const client = clientAt()
    await client.acquireTokenInteractive({ scopes: [todoScope], openBrowser: browserAs(alice) })
    await client.acquireTokenInteractive({ scopes: [todoScope], openBrowser: browserAs(bob) })
    assert.equal((await client.getAccounts()).length, 2)
    await assert.rejects(client.acquireTokenSilent({ scopes: [todoScope] }), (err: unknown) =>
      isIdwebError(err, 'IDW_ACCOUNT_AMBIGUOUS'),
    )
    const forBob = await client.acquireTokenSilent({
      scopes: [todoScope],
      account: bob.username.toUpperCase(),
    })
    assert.equal(forBob.account.username, bob.username)
    assert.equal(await client.removeAccount(forBob.account), true)
    assert.equal(await client.removeAccount(forBob.account), false)
    const left = JSON.parse(readFileSync(client.file.path, 'utf8'))
    for (const section of ['Account', 'IdToken', 'AccessToken', 'RefreshToken']) {
      for (const e of Object.values<{ home_account_id: string }>(left[section])) {
        assert.notEqual(e.home_account_id, forBob.account.homeAccountId, section)
      }
    }
    const silent = await client.acquireTokenSilent({ scopes: [todoScope] })
    assert.equal(silent.account.username, alice.username)
  })

  it('nobody signed in, or a refresh token the provider refuses: interaction required', async () => {
    const client = clientAt()
    await assert.rejects(client.acquireTokenSilent({ scopes: [todoScope] }), (err: unknown) =>
      isIdwebError(err, 'IDW_INTERACTION_REQUIRED'),
    )
    await client.acquireTokenInteractive({ scopes: [todoScope], openBrowser: browserAs(alice) })
    const file = JSON.parse(readFileSync(client.file.path, 'utf8'))
    for (const rt of Object.values<{ secret: string }>(file.RefreshToken)) rt.secret = 'forged'
    writeFileSync(client.file.path, JSON.stringify(file))
    await assert.rejects(
      client.acquireTokenSilent({ scopes: [todoScope], forceRefresh: true }),
      (err: unknown) => isIdwebError(err, 'IDW_INTERACTION_REQUIRED'),
    )
    const after = JSON.parse(readFileSync(client.file.path, 'utf8'))
    assert.equal(Object.keys(after.RefreshToken).length, 0, 'the refused refresh token is dropped')
    assert.equal(Object.keys(after.Account).length, 1, 'the account stays')
  })

  it('touches only this provider’s entries idweb reads: other providers’, PoP tokens and other ports stay', async () => {
    const client = clientAt()
    await client.acquireTokenInteractive({ scopes: [todoScope], openBrowser: browserAs(alice) })
    const path = client.file.path
    const file = JSON.parse(readFileSync(path, 'utf8'))
    const [accountKey, account] = Object.entries<Record<string, string>>(file.Account)[0] ?? []
    const [, rt] = Object.entries<Record<string, string>>(file.RefreshToken)[0] ?? []
    assert.ok(accountKey && account && rt)
    const home = account.home_account_id as string
    // The same person at Entra with the Azure CLI, and a PoP token idweb does not read.
    file.Account[`${home}-login.microsoftonline.com-contoso`] = {
      ...account,
      environment: 'login.microsoftonline.com',
    }
    file.RefreshToken[`${home}-login.microsoftonline.com-refreshtoken-azcli--`] = {
      ...rt,
      environment: 'login.microsoftonline.com',
      client_id: 'azcli',
      secret: 'AZCLI-RT',
    }
    file.AccessToken['pop-entry'] = {
      credential_type: 'AccessToken_With_AuthScheme',
      home_account_id: home,
      environment: account.environment,
      secret: 'POP-TOKEN',
    }
    writeFileSync(path, JSON.stringify(file))
    assert.equal((await client.getAccounts()).length, 1, 'the Entra account is not this provider’s')
    await client.acquireTokenSilent({ scopes: [todoScope], forceRefresh: true })
    const kept = () => readFileSync(path, 'utf8')
    assert.match(kept(), /AZCLI-RT/)
    assert.match(kept(), /POP-TOKEN/)
    assert.equal(await client.removeAccount(home), true)
    assert.match(kept(), /AZCLI-RT/, 'signing out here leaves the account at Entra')
    assert.match(kept(), /POP-TOKEN/)
    assert.equal(
      JSON.parse(kept()).RefreshToken[`${home}-login.microsoftonline.com-refreshtoken-azcli--`]
        .secret,
      'AZCLI-RT',
    )

    // A refresh token recorded for another port of this host is another provider's: never sent.
    await client.acquireTokenInteractive({ scopes: [todoScope], openBrowser: browserAs(alice) })
    const moved = JSON.parse(kept())
    for (const section of ['Account', 'IdToken', 'AccessToken', 'RefreshToken']) {
      for (const e of Object.values<{ environment: string }>(moved[section])) {
        if (e.environment === account.environment) e.environment = '127.0.0.1:1'
      }
    }
    writeFileSync(path, JSON.stringify(moved))
    idp.grants.reset()
    assert.deepEqual(await client.getAccounts(), [])
    await assert.rejects(client.acquireTokenSilent({ scopes: [todoScope] }), (err: unknown) =>
      isIdwebError(err, 'IDW_INTERACTION_REQUIRED'),
    )
    assert.equal(idp.grants.count(), 0)
  })

  it('a claims challenge skips the cache and rides on the refresh; hints reach the authorize URL', async () => {
    const bodies: string[] = []
    const client = clientAt(undefined, async (input, init) => {
      bodies.push(bodyOf(init))
      return fetch(input, init)
    })
    let authorize: URL | undefined
    const signedIn = await client.acquireTokenInteractive({
      scopes: [todoScope],
      domainHint: 'contoso.example',
      extraQueryParameters: { mkt: 'en-GB', client_id: 'not-replaced' },
      openBrowser: async (url) => {
        authorize = new URL(url)
        return browserAs(alice)(url)
      },
    })
    assert.equal(authorize?.searchParams.get('domain_hint'), 'contoso.example')
    assert.equal(authorize?.searchParams.get('mkt'), 'en-GB')
    assert.equal(authorize?.searchParams.get('client_id'), demo.apps.cli.clientId)
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'
    bodies.length = 0
    const challenged = await client.acquireTokenSilent({ scopes: [todoScope], claims })
    assert.equal(challenged.fromCache, false, 'a valid cached token does not answer a challenge')
    assert.notEqual(challenged.accessToken, signedIn.accessToken)
    const refresh = bodies.find((b) => b.includes('grant_type=refresh_token'))
    assert.ok(refresh, bodies.join('\n'))
    assert.equal(new URLSearchParams(refresh).get('claims'), claims)
  })

  it('a refusal that asks for the user (MFA) keeps the refresh token for other resources', async () => {
    // The dev IdP has no conditional access, so this one answer is faked: Entra's AADSTS50076
    // for the refresh, everything else from the real provider.
    let fault = false
    const client = clientAt(undefined, async (input, init) => {
      if (fault && bodyOf(init).includes('grant_type=refresh_token')) {
        return Response.json(
          {
            error: 'invalid_grant',
            error_description: 'AADSTS50076: you must use multi-factor authentication',
            error_codes: [50076],
            suberror: 'basic_action',
          },
          { status: 400 },
        )
      }
      return fetch(input, init)
    })
    const path = client.file.path
    await client.acquireTokenInteractive({ scopes: [todoScope], openBrowser: browserAs(alice) })
    fault = true
    await assert.rejects(
      client.acquireTokenSilent({ scopes: [todoScope], forceRefresh: true }),
      (err: unknown) => isIdwebError(err, 'IDW_INTERACTION_REQUIRED'),
    )
    assert.equal(Object.keys(JSON.parse(readFileSync(path, 'utf8')).RefreshToken).length, 1)
    fault = false
    const after = await client.acquireTokenSilent({ scopes: [todoScope], forceRefresh: true })
    assert.equal(after.fromCache, false, 'the kept refresh token still works')
  })

  it('the loopback listener answers only its own sign-in: a forged state is refused and waited past', async () => {
    const client = clientAt()
    const token = await client.acquireTokenInteractive({
      scopes: [todoScope],
      openBrowser: async (url) => {
        const redirect = new URL(url).searchParams.get('redirect_uri') as string
        const forged = await fetch(`${redirect}/?code=x&state=forged`)
        assert.equal(forged.status, 400)
        const favicon = await fetch(`${redirect}/favicon.ico`)
        assert.equal(favicon.status, 400)
        // `localhost` may mean ::1: that side of the port is held too, so nobody else gets it
        // (where this machine has IPv6 loopback at all).
        const port = Number(new URL(redirect).port)
        const listenOn = (p: number) => {
          const squatter = createServer()
          return new Promise<string>((resolve) => {
            squatter.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? ''))
            squatter.listen(p, '::1', () => squatter.close(() => resolve('listening')))
          })
        }
        if ((await listenOn(0)) === 'listening') assert.equal(await listenOn(port), 'EADDRINUSE')
        return browserAs(alice)(url)
      },
    })
    assert.equal(token.account.username, alice.username)
  })
})
