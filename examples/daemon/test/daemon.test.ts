// The daemon end to end: the real dev IdP, the real todo API, the shipped certificate. It reads
// every user's todos with an app token, serves a second call from its token cache, and surfaces
// a certificate the IdP does not know as idweb's typed invalid_client error.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { createCertificate } from '@idweb/dev-idp/testing'
import { type ConfigError, isIdwebError, type ProtocolError } from 'idweb'
import { createTodoApi, type TodoApi } from '../../api/src/app.ts'
import { userToken } from '../../api/test/tokens.ts'
import { type AllTodos, createTodoDaemon, runDaemon } from '../src/daemon.ts'
import { type ProbeApi, type Seen, startProbeApi } from './probe-api.ts'

const { alice, bob } = demo.users
const daemonId = demo.apps.daemon.clientId
const pemPath = fileURLToPath(new URL('../dev-only-daemon.pem', import.meta.url))
const owner = (user: { oid: string; tenantId: string }) => `${user.oid}.${user.tenantId}`
const titlesOf = (all: AllTodos) =>
  Object.fromEntries(all.owners.map((o) => [o.owner, o.todos.map((t) => t.title)]))

describe('the daemon against the dev IdP and the todo API', () => {
  let idp: DevIdp
  let api: TodoApi
  let probe: ProbeApi
  let env: Record<string, string>
  /** Client credentials grants this IdP issued, to every client. */
  const grants = () => idp.grantCount('client_credentials')

  before(async () => {
    idp = await startDevIdp({ port: 0 })
    api = await createTodoApi({ port: 0, env: { AzureAd__Instance: `${idp.url}/` } })
    probe = await startProbeApi(idp.url)
    env = {
      NODE_ENV: 'test',
      AzureAd__Instance: `${idp.url}/`,
      DownstreamApis__TodoApi__BaseUrl: `${api.url}/`,
    }
    // Two users' todos, added the normal way: delegated tokens on the per-user route.
    for (const [user, titles] of [
      [alice, ['Buy milk', 'Buy bread']],
      [bob, ['Call Alice']],
    ] as const) {
      const token = await userToken(idp, user, demo.apps.todoApi.scope)
      for (const title of titles) {
        const res = await fetch(`${api.url}/todos`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title }),
        })
        assert.equal(res.status, 201)
      }
    }
  })
  after(async () => {
    await Promise.allSettled([api.close(), probe.close()])
    await idp.close()
  })

  test('the shipped certificate is the one the dev IdP registers for the daemon', async () => {
    const pem = await readFile(pemPath, 'utf8')
    const block = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0]
    assert.ok(block, 'dev-only-daemon.pem holds the certificate')
    assert.match(pem, /-----BEGIN PRIVATE KEY-----/, 'and its private key')
    assert.match(pem, /^DEVELOPMENT ONLY/, 'and says it is for development only')
    const thumbprint = new X509Certificate(block).fingerprint.replaceAll(':', '')
    assert.equal(thumbprint, demo.apps.daemon.certificateThumbprint)
    const registered = (idp.directory.app(daemonId)?.certificates ?? []).map((c) =>
      new X509Certificate(c).fingerprint.replaceAll(':', ''),
    )
    assert.deepEqual(registered, [thumbprint])
  })

  test('runDaemon gets an app token with its certificate and returns every user’s todos', async () => {
    const before = grants()
    const all = await runDaemon({ env })
    assert.deepEqual(titlesOf(all), {
      [owner(alice)]: ['Buy milk', 'Buy bread'],
      [owner(bob)]: ['Call Alice'],
    })
    for (const todo of all.owners.flatMap((o) => o.todos)) {
      assert.match(todo.id, /^[0-9a-f-]{36}$/)
      assert.ok(!Number.isNaN(Date.parse(todo.createdAt)))
    }
    assert.equal(grants(), before + 1, 'one client credentials grant')
  })

  test('a second call makes no request to the token endpoint: the token comes from the cache', async () => {
    const calls: string[] = []
    const counting: typeof fetch = (input, init) => {
      calls.push(new URL(input instanceof Request ? input.url : String(input)).pathname)
      return fetch(input, init)
    }
    const tokenCalls = () => calls.filter((p) => p.endsWith('/oauth2/v2.0/token')).length
    const daemon = await createTodoDaemon({ env, fetch: counting })
    try {
      assert.ok(
        calls.some((p) => p.endsWith('/.well-known/openid-configuration')),
        'discovered at startup',
      )
      assert.equal(tokenCalls(), 0, 'no token before the first call')
      const before = grants()
      const first = await daemon.listAllTodos()
      assert.equal(tokenCalls(), 1)
      assert.equal(grants(), before + 1)
      const requestsAfterFirst = calls.length
      const second = await daemon.listAllTodos()
      assert.deepEqual(second, first)
      assert.equal(tokenCalls(), 1, 'no second token request')
      assert.equal(calls.length, requestsAfterFirst, 'no request to the IdP at all')
      assert.equal(grants(), before + 1, 'and the IdP issued nothing')
    } finally {
      await daemon.close()
    }
  })

  test('a certificate the IdP does not know: invalid_client, as IDW_CREDENTIAL_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idweb-daemon-'))
    try {
      const stranger = await createCertificate({ commonName: 'not registered', keyType: 'rsa' })
      const path = join(dir, 'stranger.pem')
      await writeFile(path, `${stranger.key}${stranger.cert}`)
      const before = { grants: grants(), todos: api.todos.owners }
      await assert.rejects(
        runDaemon({ env: { ...env, AzureAd__ClientCredentials__0__CertificateDiskPath: path } }),
        (err: unknown) => {
          assert.ok(isIdwebError(err, 'IDW_CREDENTIAL_INVALID'), String(err))
          const protocol = err as ProtocolError
          assert.equal(protocol.error, 'invalid_client')
          assert.deepEqual(protocol.errorCodes, [700027])
          assert.match(protocol.message, /AADSTS700027/)
          assert.match(protocol.message, /Check the credential in the app registration/)
          assert.equal(typeof protocol.correlationId, 'string')
          return true
        },
      )
      assert.equal(grants(), before.grants, 'no token was issued')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('RequestAppToken: true makes callApi send an app token: roles, no scp, certificate-authenticated', async () => {
    const daemon = await createTodoDaemon({
      env: {
        ...env,
        DownstreamApis__Probe__BaseUrl: `${probe.url}/`,
        DownstreamApis__Probe__Scopes__0: demo.apps.todoApi.defaultScope,
        DownstreamApis__Probe__RequestAppToken: 'true',
      },
    })
    try {
      assert.deepEqual(
        daemon.idweb.config.credentials.map((c) => c.sourceType),
        ['Path'],
        'the certificate is the only credential: the settings hold no secret',
      )
      const seen = await daemon.idweb.callApi<Seen>('Probe')
      assert.deepEqual(seen.roles, [demo.apps.todoApi.appRoles.readAll])
      assert.equal(seen.scp, undefined)
      assert.equal(seen.isAppOnly, true)
      assert.equal(seen.azp, daemonId)
      assert.equal(seen.azpacr, '2', 'a certificate, not a secret')
    } finally {
      await daemon.close()
    }
  })

  test('an entry without RequestAppToken is refused before any token or request', async () => {
    const daemon = await createTodoDaemon({
      env: {
        ...env,
        DownstreamApis__Delegated__BaseUrl: `${probe.url}/`,
        DownstreamApis__Delegated__Scopes__0: demo.apps.todoApi.scope,
      },
    })
    try {
      const before = { grants: grants(), requests: probe.requests }
      await assert.rejects(daemon.idweb.callApi('Delegated'), (err: unknown) => {
        assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'), String(err))
        assert.equal((err as ConfigError).key, 'DownstreamApis.Delegated.RequestAppToken')
        assert.match((err as Error).message, /no signed-in user/)
        return true
      })
      assert.deepEqual({ grants: grants(), requests: probe.requests }, before)
    } finally {
      await daemon.close()
    }
  })

  test('the CLI prints the todos as JSON from any directory, and exits 1 naming the error code', async () => {
    const ok = await runCli(env)
    assert.equal(ok.code, 0, ok.stderr)
    assert.deepEqual(titlesOf(JSON.parse(ok.stdout) as AllTodos), {
      [owner(alice)]: ['Buy milk', 'Buy bread'],
      [owner(bob)]: ['Call Alice'],
    })
    assert.doesNotMatch(ok.stderr, /eyJ/, 'no token in the logs')

    const stopped = await runCli({
      ...env,
      DownstreamApis__TodoApi__BaseUrl: 'http://127.0.0.1:9/',
    })
    assert.equal(stopped.code, 1)
    assert.equal(stopped.stdout, '')
    assert.match(stopped.stderr, /daemon: IDW_DOWNSTREAM_UNAVAILABLE: /)
  })
})

/** Runs `src/main.ts` in a child process whose working directory is not the example's. */
function runCli(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', import.meta.resolve('tsx'), main],
    { cwd: tmpdir(), env: { ...env, PATH: process.env.PATH ?? '' }, stdio: 'pipe' },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
