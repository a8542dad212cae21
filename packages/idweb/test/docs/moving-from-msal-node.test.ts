// The recipe of docs/moving-from-msal-node.md, run: an msal-node web app as Microsoft's samples
// build it (one DistributedCachePlugin partition per user in Redis, keyed by home account id,
// the account in a server-side session), its users signed in, then the switch to idweb with
// carryOverMsalSessions. Real Redis (the shared server, under a key prefix of this run), the
// real msal-node, the dev IdP over https with single-use refresh tokens.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  type AccountInfo,
  ConfidentialClientApplication,
  CryptoProvider,
  DistributedCachePlugin,
} from '@azure/msal-node'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { signInInteractively } from '@idweb/dev-idp/testing'
import express from 'express'
import { Redis } from 'ioredis'
import {
  carryOverMsalSessions,
  idwebMiddleware,
  requireUser,
} from '../../src/adapters/express/index.ts'
import { createIdweb, type Idweb } from '../../src/web/idweb.ts'
import { networkClient } from '../cache/msal-clients.ts'
import { httpsFetch } from '../support/https-fetch.ts'

const root = new URL('../../../../', import.meta.url).pathname
const TENANT = demo.tenants.contoso.id
const REDIRECT = 'http://localhost:3000/signin-oidc'
const SCOPES = ['User.Read']

describe('moving from msal-node: users keep their sessions and tokens (docs/moving-from-msal-node.md)', () => {
  let idp: DevIdp
  let dir: string
  let redis: Redis
  const prefix = `msal-move-test-${randomUUID()}:`
  /** The old app's server-side sessions (express-session's store), by session cookie. */
  const oldSessions = new Map<string, { account?: AccountInfo }>()
  const oldSid = (cookie: string | undefined) => /old\.sid=([^;]+)/.exec(cookie ?? '')?.[1] ?? ''
  /** What the `done` hook was told. */
  const doneWith: { home: string; carried: boolean }[] = []

  /** The old app's msal-node client for one request, its cache the session user's partition. */
  const msalFor = (session: { account?: AccountInfo }) =>
    new ConfidentialClientApplication({
      auth: {
        clientId: demo.apps.webApp.clientId,
        clientSecret: demo.apps.webApp.clientSecret,
        authority: `${idp.url}/${TENANT}`,
        knownAuthorities: [new URL(idp.url).host],
      },
      cache: {
        cachePlugin: new DistributedCachePlugin(
          {
            get: async (key) => (await redis.get(prefix + key)) ?? '',
            set: async (key, value) => redis.set(prefix + key, value),
          },
          {
            getKey: async () => session.account?.homeAccountId ?? '',
            extractKey: async (account) => account.homeAccountId,
          },
        ),
      },
      system: { networkClient: networkClient(idp.caCert ?? '') },
    })

  /** A user signs in to the old app: its /login and /redirect handlers. Returns the session id. */
  async function signInToOldApp(user: { username: string; password: string }) {
    const session: { account?: AccountInfo } = {}
    const pkce = await new CryptoProvider().generatePkceCodes()
    const msal = msalFor(session)
    const url = await msal.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: REDIRECT,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
    })
    const answer = await signInInteractively(url, { ...user, fetch: httpsFetch(idp.caCert ?? '') })
    const code = (
      answer.redirectUrl?.searchParams ?? new URLSearchParams(answer.formPost?.params)
    ).get('code')
    const result = await msal.acquireTokenByCode({
      code: String(code),
      scopes: SCOPES,
      redirectUri: REDIRECT,
      codeVerifier: pkce.verifier,
    })
    session.account = result.account ?? undefined
    const sid = randomUUID()
    oldSessions.set(sid, session)
    // The old app's /profile: a silent token, so its partition holds a refreshed state too.
    const silent = await msalFor(session).acquireTokenSilent({
      account: result.account as AccountInfo,
      scopes: SCOPES,
      forceRefresh: true,
    })
    return { sid, home: String(result.account?.homeAccountId), lastToken: silent.accessToken }
  }

  let idweb: Idweb
  let base: string
  let server: ReturnType<express.Express['listen']>
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idweb-move-'))
    idp = await startDevIdp({
      port: 0,
      host: 'localhost',
      https: { dir },
      rotateRefreshTokens: true,
    })
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
    idweb = createIdweb(
      {
        instance: `${idp.url}/`,
        tenantId: TENANT,
        clientId: demo.apps.webApp.clientId,
        clientSecret: demo.apps.webApp.clientSecret,
        session: { secrets: ['a-test-session-secret-that-is-long-enough-0001'], secure: false },
      },
      { env: {}, fetch: httpsFetch(idp.caCert ?? '') },
    )
    // The new app, as the guide builds it.
    const app = express()
    app.use(idwebMiddleware(idweb))
    app.use(
      carryOverMsalSessions(idweb, {
        homeAccountIdOf: (req) =>
          oldSessions.get(oldSid(req.headers.cookie))?.account?.homeAccountId,
        readMsalCache: async (home) => (await redis.get(prefix + home)) ?? undefined,
        done: async (req, res, home, carried) => {
          doneWith.push({ home, carried })
          oldSessions.delete(oldSid(req.headers.cookie))
          res.clearCookie('old.sid')
          await redis.del(prefix + home)
        },
      }),
    )
    app.get('/profile', requireUser(), async (req, res) => {
      const user = req.identity.user as NonNullable<typeof req.identity.user>
      const token = await idweb.getTokenForUser(user, SCOPES, {
        forceRefresh: req.query.refresh === '1',
      })
      res.json({
        name: user.claims.name,
        roles: user.claims.roles,
        token: token.accessToken,
        fromCache: token.fromCache,
      })
    })
    server = app.listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    base = `http://localhost:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    server?.close()
    await idweb?.close()
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis?.disconnect()
    await idp?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const get = (path: string, cookie?: string) =>
    fetch(`${base}${path}`, {
      redirect: 'manual',
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) },
    })
  const cookieOf = (res: Response, name: string) =>
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${name}=`))
      ?.split(';')[0]

  const grants = () => idp.grantCount('authorization_code') + idp.grantCount('refresh_token')
  const alicePassword = { username: demo.users.alice.username, password: demo.users.alice.password }
  const bobPassword = { username: demo.users.bob.username, password: demo.users.bob.password }

  it('a signed-in user of the old app reaches the new app signed in: its refresh token redeemed once, no sign-in', async () => {
    const alice = await signInToOldApp(alicePassword)
    const bob = await signInToOldApp(bobPassword)
    assert.ok(await redis.get(prefix + alice.home), 'msal-node keeps the partition in Redis')
    const codes = idp.grantCount('authorization_code')
    const before = grants()

    const first = await get('/profile', `old.sid=${alice.sid}`)
    assert.equal(first.status, 303, 'sent back to the same page with the new session')
    assert.equal(first.headers.get('location'), '/profile')
    assert.equal(first.headers.get('cache-control'), 'no-store')
    const session = cookieOf(first, 'idweb.session')
    assert.ok(session, 'an idweb session cookie')
    assert.equal(idp.grantCount('authorization_code'), codes, 'no sign-in')
    assert.equal(grants(), before + 1, 'the refresh token msal-node left, redeemed once')

    const profile = await get('/profile', session)
    assert.equal(profile.status, 200)
    const body = await profile.json()
    assert.equal(body.name, 'Alice Smith')
    assert.equal(body.fromCache, true)
    assert.equal(grants(), before + 1, 'then served from the cache')
    const refreshed = await (await get('/profile?refresh=1', session)).json()
    assert.equal(refreshed.fromCache, false)
    assert.notEqual(refreshed.token, body.token)

    // Carried over once: the old session and its plain-text partition are gone.
    assert.deepEqual(doneWith.at(-1), { home: alice.home, carried: true })
    assert.equal(oldSessions.has(alice.sid), false)
    assert.equal(await redis.get(prefix + alice.home), null)
    // Bob, not yet back, keeps his old session; his turn comes when he is.
    assert.ok(await redis.get(prefix + bob.home))
    const bobs = await get('/profile', `old.sid=${bob.sid}`)
    assert.equal(bobs.status, 303)
    const bobProfile = await (await get('/profile', cookieOf(bobs, 'idweb.session'))).json()
    assert.equal(bobProfile.name, 'Bob Jones')
  })

  it('the session comes from the provider’s ID token, never from what the old cache claims; other accounts in it are left out', async () => {
    const alice = await signInToOldApp(alicePassword)
    const bob = await signInToOldApp(bobPassword)
    // Someone who can write the old store edits Alice's partition: a forged ID token claiming
    // roles, and an access token for Bob (another account) that would then be served to him.
    const json = JSON.parse(String(await redis.get(prefix + alice.home)))
    const forged = [
      Buffer.from('{"alg":"none"}').toString('base64url'),
      Buffer.from(
        JSON.stringify({ name: 'Mallory', roles: ['Admin'], oid: 'x', tid: TENANT }),
      ).toString('base64url'),
      '',
    ].join('.')
    for (const t of Object.values(json.IdToken) as { secret: string }[]) t.secret = forged
    const [at] = Object.values(json.AccessToken) as Record<string, string>[]
    json.AccessToken.injected = {
      ...at,
      home_account_id: bob.home,
      secret: 'injected-for-bob',
      expires_on: '9999999999',
    }
    await redis.set(prefix + alice.home, JSON.stringify(json))

    const first = await get('/profile', `old.sid=${alice.sid}`)
    assert.equal(first.status, 303)
    const body = await (await get('/profile', cookieOf(first, 'idweb.session'))).json()
    assert.equal(body.name, 'Alice Smith')
    assert.equal(body.roles, undefined)
    assert.equal(
      (await idweb.cache.partition(bob.home))
        .accessTokens()
        .some((t) => t.secret === 'injected-for-bob'),
      false,
    )
  })

  it('two requests of one user at once (two tabs) are both carried over: each redeems the refresh token the other left', async () => {
    const alice = await signInToOldApp(alicePassword)
    const before = grants()
    const [one, two] = await Promise.all([
      get('/profile', `old.sid=${alice.sid}`),
      get('/todos', `old.sid=${alice.sid}`),
    ])
    for (const res of [one, two]) {
      assert.equal(res.status, 303)
      assert.ok(cookieOf(res, 'idweb.session'), 'a session for each')
    }
    assert.equal(grants(), before + 2, 'two refreshes, in turn, with single-use refresh tokens')
  })

  it('the page it sends back to stays on this site', async () => {
    for (const path of ['//evil.example/', '/\\evil.example/']) {
      const alice = await signInToOldApp(alicePassword)
      const res = await get(path, `old.sid=${alice.sid}`)
      assert.equal(res.status, 303, path)
      const location = String(res.headers.get('location'))
      assert.equal(new URL(location, base).origin, base, `${path} → ${location}`)
    }
  })

  it('no old session, an unknown one, one without tokens, or a corrupt old cache: nobody is signed in, and nothing fails', async () => {
    for (const cookie of [undefined, 'old.sid=forged', `old.sid=${randomUUID()}`]) {
      const res = await get('/profile', cookie)
      assert.equal(res.status, 302, `${cookie}: sent to sign in`)
      assert.match(String(res.headers.get('location')), /\/signin/)
      assert.equal(cookieOf(res, 'idweb.session'), undefined)
    }
    const sid = randomUUID()
    oldSessions.set(sid, { account: { homeAccountId: 'nobody.nowhere' } as AccountInfo })
    const res = await get('/profile', `old.sid=${sid}`)
    assert.equal(res.status, 302)
    assert.equal(cookieOf(res, 'idweb.session'), undefined)
    assert.deepEqual(doneWith.at(-1), { home: 'nobody.nowhere', carried: false })

    const alice = await signInToOldApp(alicePassword)
    await redis.set(prefix + alice.home, '{"RefreshToken": {"k": ')
    const corrupt = await get('/profile', `old.sid=${alice.sid}`)
    assert.equal(corrupt.status, 302, 'a corrupt old cache: the user signs in as anyone does')
  })

  it('the guide shows the code this test runs', async () => {
    const guide = await readFile(join(root, 'docs/moving-from-msal-node.md'), 'utf8')
    for (const line of [
      'app.use(idwebMiddleware(idweb))\napp.use(\n  carryOverMsalSessions(idweb, {',
      'readMsalCache: async (home) =>',
      'done: async (req, _res, home) =>',
      'new DistributedCachePlugin(',
    ]) {
      assert.ok(guide.includes(line), `the guide shows ${line}`)
    }
  })
})
