// One cache file shared by idweb's PublicClient and MSAL's own persistence extensions, both ways,
// against the dev IdP over https: msal-node with @azure/msal-node-extensions'
// PersistenceCachePlugin on FilePersistence, and MSAL Python with msal_extensions'
// PersistedTokenCache. Each side finds the account and the tokens the other wrote, and takes the
// other's refreshed tokens.
import assert from 'node:assert/strict'
import { execFile, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it, type TestContext } from 'node:test'
import { CryptoProvider, PublicClientApplication } from '@azure/msal-node'
import { FilePersistence, PersistenceCachePlugin } from '@azure/msal-node-extensions'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { signInInteractively } from '@idweb/dev-idp/testing'
import { createPublicClient, type PublicClient } from '../../src/public/index.ts'
import { networkClient } from '../cache/msal-clients.ts'
import { httpsFetch } from '../support/https-fetch.ts'
import { holdHttpsPort } from '../support/https-port.ts'
import { msalExtensionsReady, PYTHON } from './msal-extensions.ts'

const TENANT = demo.tenants.contoso.id
const CLI = demo.apps.cli.clientId
const todo = demo.apps.todoApi.scope
const alice = demo.users.alice
const bob = demo.users.bob
const PY_PUBLIC = new URL('./fixtures/py_public.py', import.meta.url).pathname

/** requests lets REQUESTS_CA_BUNDLE override a session's `verify`: point both at the CA. */
const pythonEnv = (ca: string) => ({ ...process.env, REQUESTS_CA_BUNDLE: ca, CURL_CA_BUNDLE: ca })

describe('the cache file shared with the MSAL persistence extensions', () => {
  let idp: DevIdp
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idweb-interop-'))
    idp = await startDevIdp({
      port: 0,
      host: 'localhost',
      https: { dir },
      rotateRefreshTokens: true,
    })
  })
  after(async () => {
    await idp.close()
    await rm(dir, { recursive: true, force: true })
  })

  let n = 0
  const freshPath = () => join(dir, `cache-${++n}.json`)
  const authority = () => `${idp.url}/${TENANT}`
  const clientOn = (at: DevIdp, path: string): PublicClient =>
    createPublicClient(
      { instance: `${at.url}/`, tenantId: TENANT, clientId: CLI },
      { cache: path, env: {}, fetch: httpsFetch(at.caCert ?? '') },
    )
  const signInWith = (at: DevIdp, path: string, user: { username: string; password: string }) =>
    clientOn(at, path).acquireTokenInteractive({
      scopes: [todo],
      openBrowser: async (url) => {
        const result = await signInInteractively(url, {
          ...user,
          fetch: httpsFetch(at.caCert ?? ''),
        })
        assert.equal(result.kind, 'redirect')
        await fetch(result.redirectUrl as URL)
        return true
      },
    })
  const idwebAt = (path: string) => clientOn(idp, path)
  const idwebSignIn = (path: string, user: { username: string; password: string }) =>
    signInWith(idp, path, user)

  /** msal-node as a CLI would build it on the shared file. */
  async function msalNodeAt(path: string) {
    return new PublicClientApplication({
      auth: { clientId: CLI, authority: authority(), knownAuthorities: [new URL(idp.url).host] },
      system: { networkClient: networkClient(idp.caCert ?? '') },
      cache: { cachePlugin: new PersistenceCachePlugin(await FilePersistence.create(path)) },
    })
  }

  type PythonAnswer = { usernames: string[]; access_token?: string; error?: string }

  /** MSAL Python, once, on the file. */
  function python(at: DevIdp, ca: string, path: string, force = false) {
    return new Promise<PythonAnswer>((resolve, reject) => {
      const args = [PY_PUBLIC, 'silent', path, `${at.url}/${TENANT}`, CLI, ca, todo]
      if (force) args.push('force')
      execFile(PYTHON, args, { timeout: 60_000, env: pythonEnv(ca) }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`))
        else resolve(JSON.parse(stdout))
      })
    })
  }

  it('msal-node-extensions finds what idweb signed in, and idweb takes the token msal-node refreshed', async () => {
    const path = freshPath()
    const signedIn = await idwebSignIn(path, alice)
    const msal = await msalNodeAt(path)
    const accounts = await msal.getTokenCache().getAllAccounts()
    assert.deepEqual(
      accounts.map((a) => a.username),
      [alice.username],
    )
    const account = accounts[0] as (typeof accounts)[0]
    const cached = await msal.acquireTokenSilent({ account, scopes: [todo] })
    assert.equal(cached.accessToken, signedIn.accessToken, 'served from the file idweb wrote')
    idp.grants.reset()
    const refreshed = await msal.acquireTokenSilent({ account, scopes: [todo], forceRefresh: true })
    assert.notEqual(refreshed.accessToken, signedIn.accessToken)
    assert.equal(idp.grants.count('refresh_token'), 1)
    // The refresh token rotated: idweb must use msal-node's new one, or the provider refuses it.
    const fromIdweb = await idwebAt(path).acquireTokenSilent({ scopes: [todo] })
    assert.equal(fromIdweb.accessToken, refreshed.accessToken)
    const again = await idwebAt(path).acquireTokenSilent({ scopes: [todo], forceRefresh: true })
    assert.equal(again.fromCache, false)
    assert.equal(idp.grants.count('refresh_token'), 2)
  })

  it('idweb finds what msal-node-extensions signed in, and msal-node takes what idweb refreshed', async () => {
    const path = freshPath()
    const msal = await msalNodeAt(path)
    const pkce = await new CryptoProvider().generatePkceCodes()
    const redirectUri = 'http://localhost:8400'
    const url = await msal.getAuthCodeUrl({
      scopes: [todo],
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
    })
    const answer = await signInInteractively(url, { ...bob, fetch: httpsFetch(idp.caCert ?? '') })
    const code = answer.redirectUrl?.searchParams.get('code') as string
    const signedIn = await msal.acquireTokenByCode({
      code,
      scopes: [todo],
      redirectUri,
      codeVerifier: pkce.verifier,
    })
    const client = idwebAt(path)
    assert.deepEqual(
      (await client.getAccounts()).map((a) => a.username),
      [bob.username],
    )
    const silent = await client.acquireTokenSilent({ scopes: [todo] })
    assert.equal(silent.fromCache, true)
    assert.equal(silent.accessToken, signedIn.accessToken)
    const refreshed = await client.acquireTokenSilent({ scopes: [todo], forceRefresh: true })
    assert.notEqual(refreshed.accessToken, signedIn.accessToken)
    const account = (await msal.getTokenCache().getAllAccounts())[0]
    assert.ok(account)
    const fromMsal = await msal.acquireTokenSilent({ account, scopes: [todo] })
    assert.equal(fromMsal.accessToken, refreshed.accessToken)
  })

  /**
   * MSAL Python records the host without its port, msal-node and idweb with it: on the dev IdP's
   * usual random port each finds only its own form. On the https port, as with Entra, all three
   * record the same, so the Python cases run against a dev IdP there.
   */
  describe('with MSAL Python, on the https port', () => {
    let at: DevIdp | undefined
    let ca: string
    let releasePort: (() => Promise<void>) | undefined
    before(async () => {
      if (spawnSync(PYTHON, ['-c', 'import msal_extensions']).status !== 0) return
      releasePort = await holdHttpsPort()
      at = await startDevIdp({
        port: 443,
        host: 'localhost',
        https: { dir },
        rotateRefreshTokens: true,
      })
      ca = join(dir, 'ca-443.pem')
      await writeFile(ca, at.caCert ?? '')
    })
    after(async () => {
      await at?.close()
      await releasePort?.()
    })
    const ready = (t: TestContext): t is TestContext => msalExtensionsReady(t) && at !== undefined

    it('msal_extensions finds what idweb signed in; each takes the token the other refreshed', async (t) => {
      if (!ready(t) || !at) return
      const path = freshPath()
      const signedIn = await signInWith(at, path, alice)
      const read = await python(at, ca, path)
      assert.deepEqual(read.usernames, [alice.username])
      assert.equal(read.access_token, signedIn.accessToken, read.error)
      at.grants.reset()
      const refreshed = await python(at, ca, path, true)
      assert.ok(refreshed.access_token, refreshed.error)
      assert.notEqual(refreshed.access_token, signedIn.accessToken)
      assert.equal(at.grants.count('refresh_token'), 1)
      const fromIdweb = await clientOn(at, path).acquireTokenSilent({ scopes: [todo] })
      assert.equal(fromIdweb.accessToken, refreshed.access_token)
      const next = await clientOn(at, path).acquireTokenSilent({
        scopes: [todo],
        forceRefresh: true,
      })
      assert.equal(at.grants.count('refresh_token'), 2, 'the rotated token Python left was used')
      const back = await python(at, ca, path)
      assert.equal(back.access_token, next.accessToken)
    })

    it('idweb finds what MSAL Python signed in, and Python takes what idweb refreshed', async (t) => {
      if (!ready(t) || !at) return
      const idp443 = at
      const path = freshPath()
      const child = spawn(
        PYTHON,
        [PY_PUBLIC, 'signin', path, `${idp443.url}/${TENANT}`, CLI, ca, todo],
        {
          env: pythonEnv(ca),
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      )
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      const { auth_uri } = JSON.parse((await lines.next()).value as string)
      const answer = await signInInteractively(auth_uri, {
        ...bob,
        fetch: httpsFetch(idp443.caCert ?? ''),
      })
      const params = Object.fromEntries(answer.redirectUrl?.searchParams ?? [])
      child.stdin.end(`${JSON.stringify(params)}\n`)
      const signedIn = JSON.parse((await lines.next()).value as string)
      assert.equal(signedIn.username, bob.username, signedIn.error)
      const client = clientOn(idp443, path)
      assert.deepEqual(
        (await client.getAccounts()).map((a) => a.username),
        [bob.username],
      )
      const silent = await client.acquireTokenSilent({ scopes: [todo] })
      assert.equal(silent.accessToken, signedIn.access_token)
      const refreshed = await client.acquireTokenSilent({ scopes: [todo], forceRefresh: true })
      const back = await python(idp443, ca, path)
      assert.equal(back.access_token, refreshed.accessToken)
    })
  })
})
