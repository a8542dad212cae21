// One cache, three real clients: idweb, msal-node and MSAL Python act as processes of the same
// web app against the dev IdP over https, with single-use (strictly rotated) refresh tokens. Each
// hands the MSAL-schema cache to the next, as processes sharing a store do, and each serves and
// refreshes what the others wrote. Any client picking a used refresh token fails with AADSTS70008;
// any lost or duplicated entity fails the count checks.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import type { UserAccount } from '../../src/acquisition/acquirer.ts'
import { exportMsalCache, importMsalCache } from '../../src/cache/msal-import.ts'
import { httpsFetch } from '../support/https-fetch.ts'
import { holdHttpsPort } from '../support/https-port.ts'
import { alice, bob, browserRequest, type Harness, startHarness } from '../web/harness.ts'
import { type ClientApp, NodeClient, PythonClient } from './msal-clients.ts'

const TENANT = demo.tenants.contoso.id
const SCOPES = ['User.Read']
const APP_SCOPES = [demo.apps.todoApi.defaultScope]
const ROUNDS = 3
const webApp: ClientApp = {
  clientId: demo.apps.webApp.clientId,
  clientSecret: demo.apps.webApp.clientSecret,
  redirectUri: 'http://localhost:3000/signin-oidc',
  tenantId: TENANT,
}

/** A client that reads and writes the shared cache text: msal-node or MSAL Python. */
interface Other {
  name: string
  signIn(user: {
    username: string
    password: string
  }): Promise<{ cache: string; token: string; home: string }>
  silent(cache: string, home: string, force?: boolean): Promise<{ cache: string; token: string }>
  app(cache: string | undefined): Promise<{ cache: string; token: string }>
}

function nodeOther(idp: DevIdp): Other {
  const c = new NodeClient(idp, webApp)
  return {
    name: 'msal-node',
    async signIn(user) {
      const { result, cache } = await c.signIn([...SCOPES, 'offline_access'], user)
      return { cache, token: result.accessToken, home: String(result.account?.homeAccountId) }
    },
    async silent(cache, home, force = false) {
      const { result, cache: out } = await c.silent(cache, home, SCOPES, force)
      return { cache: out, token: result.accessToken }
    },
    async app(cache) {
      const { result, cache: out } = await c.app(cache, APP_SCOPES)
      return { cache: out, token: result.accessToken }
    },
  }
}

function pythonOther(idp: DevIdp, caFile: string): Other {
  const c = new PythonClient(idp, webApp, caFile)
  const token = (run: { result: { access_token?: string; error?: string } }, op: string) => {
    if (!run.result.access_token)
      throw new Error(`MSAL Python ${op}: ${JSON.stringify(run.result)}`)
    return run.result.access_token
  }
  return {
    name: 'MSAL Python',
    async signIn(user) {
      const run = await c.signIn(SCOPES, user)
      const info = run.result.id_token_claims as { oid: string; tid: string }
      return { cache: run.cache, token: token(run, 'sign-in'), home: `${info.oid}.${info.tid}` }
    },
    async silent(cache, home, force = false) {
      const run = await c.silent(cache, home, SCOPES, force)
      return { cache: run.cache, token: token(run, 'silent') }
    },
    async app(cache) {
      const run = await c.app(cache, APP_SCOPES)
      return { cache: run.cache, token: token(run, 'app') }
    },
  }
}

type Json = Record<string, Record<string, Record<string, unknown>>>

/**
 * One account, one ID token, one refresh token, and one access token per scope set. `handedOver`,
 * when given, is the cache the client was handed in another MSAL library's key form: each MSAL
 * library updates only the keys it makes, so it leaves those entries behind, untouched, next to
 * its own. Those are skipped (and checked to be exactly what it was handed); idweb drops them on
 * its next read, as the checks of idweb's own caches show.
 */
function assertNoDuplicates(text: string, home: string, who: string, handedOver?: string) {
  const json = JSON.parse(text) as Json
  const before = handedOver ? (JSON.parse(handedOver) as Json) : {}
  const mine = (section: string) =>
    Object.entries(json[section] ?? {})
      .filter(([key, e]) => {
        const left = before[section]?.[key]
        if (left === undefined) return e.home_account_id === home
        if (left.secret !== e.secret && section !== 'Account') return e.home_account_id === home
        return false
      })
      .map(([, e]) => e)
  const all = (section: string) => Object.keys(json[section] ?? {}).join(' | ')
  assert.equal(
    mine('Account').length,
    handedOver ? mine('Account').length : 1,
    `${who}: one account`,
  )
  assert.ok(mine('IdToken').length <= 1, `${who}: one ID token: ${all('IdToken')}`)
  assert.equal(mine('RefreshToken').length, 1, `${who}: one refresh token: ${all('RefreshToken')}`)
  const targets = mine('AccessToken').map((e) =>
    String(e.target).toLowerCase().split(' ').sort().join(' '),
  )
  assert.equal(
    new Set(targets).size,
    targets.length,
    `${who}: one access token per scope set: ${all('AccessToken')}`,
  )
}

/** The account's refresh tokens in a cache text, newest first, with the keys they are under. */
const refreshTokensOf = (text: string, home: string) =>
  Object.entries((JSON.parse(text) as Json).RefreshToken ?? {})
    .filter(([, e]) => e.home_account_id === home)
    .map(([key, e]) => ({
      key,
      secret: e.secret,
      at: Number(e.last_modification_time ?? e.cached_at ?? 0),
    }))
    .sort((a, b) => b.at - a.at)

/** The newest refresh token's secret. */
const refreshTokenOf = (text: string, home: string) => refreshTokensOf(text, home)[0]?.secret

/** idweb's account for a cache some other client signed in to: from its ID token. */
function accountOf(text: string, home: string): UserAccount {
  const idToken = Object.values((JSON.parse(text) as Json).IdToken ?? {}).find(
    (e) => e.home_account_id === home,
  )
  assert.ok(idToken, 'the cache holds the account’s ID token')
  const claims = JSON.parse(
    Buffer.from(String(idToken.secret).split('.')[1] ?? '', 'base64url').toString(),
  )
  return { homeAccountId: home, realm: claims.tid, iss: claims.iss, sub: claims.sub }
}

/**
 * The scenarios on the https port, where every MSAL library records the same environment (the
 * host alone), and on another port, where MSAL Python and MSAL.NET record the host without the
 * port and msal-node with it: each finds only its own form. There idweb reads both and, in a
 * partition another client started, writes that client's form; a partition idweb starts has the
 * port, as msal-node writes it, so MSAL Python cannot find idweb's own sign-in.
 */
const PORTS = [
  { port: 443, name: 'on the https port', pythonReadsIdwebSignIn: true },
  { port: 0, name: 'on another port', pythonReadsIdwebSignIn: false },
]

for (const { port, name, pythonReadsIdwebSignIn } of PORTS)
  describe(`one cache shared by idweb, msal-node and MSAL Python, ${name} (https, single-use refresh tokens)`, () => {
    let idp: DevIdp
    let dir: string
    let caFile: string
    let unavailable: string | undefined
    /** Outside CI, a port this machine will not give is a skip; in CI it fails the run. */
    const ready = (t: TestContext) => {
      if (unavailable === undefined) return true
      if (process.env.CI === 'true') throw new Error(unavailable)
      t.skip(unavailable)
      return false
    }
    const harnesses: Harness[] = []
    const calls = () =>
      idp.grantCount('refresh_token') +
      idp.grantCount('authorization_code') +
      idp.grantCount('client_credentials')

    let releasePort: (() => Promise<void>) | undefined
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'idweb-roundtrip-'))
      if (port === 443) releasePort = await holdHttpsPort()
      try {
        idp = await startDevIdp({
          port,
          host: 'localhost',
          https: { dir },
          rotateRefreshTokens: true,
        })
      } catch (err) {
        // Port 443 needs root (CI runs as root) and a free port.
        unavailable = `cannot listen on port ${port}: ${(err as Error).message}`
      }
      caFile = join(dir, '.dev-idp', 'ca.pem')
    })
    after(async () => {
      for (const h of harnesses) await h.idweb.close()
      await idp?.close()
      await releasePort?.()
      await rm(dir, { recursive: true, force: true })
    })

    if (port === 443)
      it('the dev IdP names itself without the default port, as every client spells it', (t) => {
        if (!ready(t)) return
        assert.equal(idp.url, 'https://localhost')
        assert.equal(idp.issuer(TENANT), `https://localhost/${TENANT}/v2.0`)
      })

    /** A fresh idweb web app (its own in-memory cache) on the https dev IdP. */
    async function idweb(): Promise<Harness> {
      const h = await startHarness({
        sharedIdp: idp,
        app: { instance: `${idp.url}/`, tenantId: TENANT, allowInsecureHttp: false },
        deps: { fetch: httpsFetch(idp.caCert ?? '') },
      })
      harnesses.push(h)
      return h
    }

    /**
     * Rounds of: the other client serves idweb's token with no provider call, then refreshes; idweb
     * serves the other's token with no provider call, then refreshes. Every refresh redeems the
     * refresh token the previous one left; the cache never holds two of anything.
     */
    async function alternate(
      h: Harness,
      other: Other,
      account: UserAccount,
      idwebToken: string,
      idwebStarted: boolean,
    ) {
      const home = account.homeAccountId
      let shared = await exportMsalCache(h.idweb.cache, home)
      let current = idwebToken
      for (let round = 1; round <= ROUNDS; round++) {
        const at = `${other.name}, round ${round}`
        let n = calls()
        const served = await other.silent(shared, home)
        assert.equal(served.token, current, `${at}: serves idweb’s newest token`)
        assert.equal(calls(), n, `${at}: no token-endpoint call`)

        const used = refreshTokenOf(shared, home)
        const refreshed = await other.silent(served.cache, home, true)
        assert.equal(calls(), n + 1, `${at}: one refresh`)
        assert.notEqual(refreshed.token, current)
        const written = refreshTokensOf(refreshed.cache, home).filter((r) => r.secret !== used)
        assert.equal(
          written.length,
          1,
          `${at}: the refresh token rotated, and one new one is cached`,
        )
        // A partition idweb started is in msal-node's key form: MSAL Python's first refresh
        // leaves idweb's copies behind; from then on idweb writes MSAL Python's form.
        const otherForm = idwebStarted && round === 1 && other.name === 'MSAL Python'
        assertNoDuplicates(refreshed.cache, home, at, otherForm ? shared : undefined)

        await importMsalCache(h.idweb.cache, refreshed.cache)
        n = calls()
        const hit = await h.idweb.acquirer.getTokenForUser(SCOPES, account)
        assert.equal(hit.fromCache, true, `${at}: idweb serves it from the cache`)
        assert.equal(hit.accessToken, refreshed.token, `${at}: idweb serves the other’s new token`)
        assert.equal(calls(), n)

        const own = await h.idweb.acquirer.getTokenForUser(SCOPES, account, { forceRefresh: true })
        assert.equal(own.fromCache, false)
        assert.equal(calls(), n + 1, `${at}: idweb redeems the rotated refresh token`)
        shared = await exportMsalCache(h.idweb.cache, home)
        assert.notEqual(refreshTokenOf(shared, home), refreshTokenOf(refreshed.cache, home))
        assertNoDuplicates(shared, home, `idweb after ${at}`)
        current = own.accessToken
      }
      // The used refresh tokens really are single-use: the first one fails now.
      return shared
    }

    for (const make of [nodeOther, (i: DevIdp) => pythonOther(i, caFile)]) {
      const python = make !== nodeOther
      if (python && !pythonReadsIdwebSignIn) continue
      it(`idweb signs in, then it and ${make === nodeOther ? 'msal-node' : 'MSAL Python'} take turns serving and refreshing`, async (t) => {
        if (!ready(t)) return
        const other = make(idp)
        const h = await idweb()
        const { callback } = await h.signIn(alice)
        assert.equal(callback.status, 303)
        const user = (await h.idweb.authenticate(browserRequest(h))).user
        assert.ok(user)
        const first = await h.idweb.getTokenForUser(user, SCOPES)
        await alternate(h, other, user.account, first.accessToken, true)
      })

      it(`${make === nodeOther ? 'msal-node' : 'MSAL Python'} signs in, then idweb and it take turns serving and refreshing`, async (t) => {
        if (!ready(t)) return
        const other = make(idp)
        const h = await idweb()
        const signedIn = await other.signIn(bob)
        assertNoDuplicates(signedIn.cache, signedIn.home, `${other.name} sign-in`)
        const imported = await importMsalCache(h.idweb.cache, signedIn.cache)
        assert.deepEqual(imported.partitions, [signedIn.home])
        const account = accountOf(signedIn.cache, signedIn.home)
        const n = calls()
        const hit = await h.idweb.acquirer.getTokenForUser(SCOPES, account)
        assert.equal(hit.accessToken, signedIn.token, 'idweb serves the sign-in’s token')
        assert.equal(calls(), n, 'with no token-endpoint call')
        const own = await h.idweb.acquirer.getTokenForUser(SCOPES, account, { forceRefresh: true })
        assert.equal(calls(), n + 1, 'idweb redeems the other client’s refresh token')
        await alternate(h, other, account, own.accessToken, false)
      })

      it(`app-only tokens both ways with ${make === nodeOther ? 'msal-node' : 'MSAL Python'}`, async (t) => {
        if (!ready(t)) return
        const other = make(idp)
        const key = `app:${webApp.clientId}:${TENANT}`
        // The other client's token, served by idweb; idweb's next one, served by the other.
        const theirs = await other.app(undefined)
        const h = await idweb()
        assert.deepEqual((await importMsalCache(h.idweb.cache, theirs.cache)).partitions, [key])
        let n = calls()
        const hit = await h.idweb.acquirer.getTokenForApp(APP_SCOPES, { tenant: TENANT })
        assert.equal(hit.fromCache, true)
        assert.equal(hit.accessToken, theirs.token, `idweb serves ${other.name}’s app token`)
        assert.equal(calls(), n, 'with no token-endpoint call')
        const mine = await h.idweb.acquirer.getTokenForApp(APP_SCOPES, {
          tenant: TENANT,
          forceRefresh: true,
        })
        assert.equal(calls(), n + 1)
        const shared = await exportMsalCache(h.idweb.cache, key)
        assert.equal(
          Object.keys((JSON.parse(shared) as Json).AccessToken ?? {}).length,
          1,
          'one app token',
        )
        n = calls()
        const served = await other.app(shared)
        assert.equal(served.token, mine.accessToken, `${other.name} serves idweb’s new app token`)
        assert.equal(calls(), n, 'with no token-endpoint call')
      })

      // A partition idweb starts holds app tokens as msal-node writes them (`home_account_id: ""`,
      // which msal-node requires); MSAL Python looks only for `null`, so it reads idweb's app
      // tokens once it has written to the partition (above).
      if (!python)
        it('msal-node serves the app token of a partition idweb started', async (t) => {
          if (!ready(t)) return
          const h = await idweb()
          const mine = await h.idweb.acquirer.getTokenForApp(APP_SCOPES, { tenant: TENANT })
          const n = calls()
          const key = `app:${webApp.clientId}:${TENANT}`
          const served = await make(idp).app(await exportMsalCache(h.idweb.cache, key))
          assert.equal(served.token, mine.accessToken)
          assert.equal(calls(), n, 'with no token-endpoint call')
        })
    }
  })
