// SignedAssertionFromManagedIdentity: the real @azure/identity ManagedIdentityCredential asks the
// host's identity endpoint for a token for api://AzureADTokenExchange, and the app presents it as
// its client assertion (a federated identity credential). No Azure host is reachable here, so the
// dev IdP plays the App Service identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER) that an
// Azure host provides; it signs the identity's tokens with the tenant's keys, as Entra does.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  type DevIdp,
  defaultDirectoryPath,
  demo,
  readDirectoryFile,
  startDevIdp,
} from '@idweb/dev-idp'
import { loadAppSettings } from '../../src/config/app-settings.ts'
import type { CredentialDescription } from '../../src/credentials/descriptions.ts'
import { ProtocolError } from '../../src/errors.ts'
import { createIdweb } from '../../src/web/idweb.ts'
import { type Logged, recordingLogger } from './test-certificates.ts'

const APP = 'a0000000-0000-4000-c000-0000000000e1'
const SECRET = 'managed-identity-test-secret-dev-only-01'
const TRUSTED = {
  clientId: 'c0000000-0000-4000-8000-0000000000c1',
  principalId: 'c0000000-0000-4000-8000-0000000000d1',
}
const STRANGER = {
  clientId: 'c0000000-0000-4000-8000-0000000000c2',
  principalId: 'c0000000-0000-4000-8000-0000000000d2',
}
const tenant = demo.tenants.contoso.id

describe('a managed identity as the client credential (federated identity credential)', () => {
  let idp: DevIdp
  const identityRequests: string[] = []
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER }
  const opened: { close(): Promise<void> }[] = []

  before(async () => {
    const directory = await readDirectoryFile(defaultDirectoryPath)
    directory.apps.push({
      appId: APP,
      displayName: 'Managed identity worker',
      homeTenant: tenant,
      signInAudience: 'AzureADMyOrg',
      secrets: [SECRET],
      federatedIdentityCredentials: [
        {
          name: 'app-service',
          issuer: `{origin}/${tenant}/v2.0`,
          subject: TRUSTED.principalId,
          audiences: ['api://AzureADTokenExchange'],
        },
      ],
      appRoleAssignments: [{ resource: demo.apps.todoApi.identifierUri, roles: ['Todo.Read.All'] }],
    })
    directory.managedIdentities = [
      { ...TRUSTED, tenant, displayName: 'trusted', type: 'SystemAssigned' },
      { ...STRANGER, tenant, displayName: 'stranger' },
    ]
    idp = await startDevIdp({
      port: 0,
      host: '127.0.0.1',
      directory,
      logger: (line) => {
        if (line.message === 'managed identity token')
          identityRequests.push(String(line.fields?.identity))
      },
    })
    // As an App Service host sets them for the code it runs.
    process.env.IDENTITY_ENDPOINT = idp.managedIdentityEnv.IDENTITY_ENDPOINT
    process.env.IDENTITY_HEADER = idp.managedIdentityEnv.IDENTITY_HEADER
  })
  after(async () => {
    for (const o of opened) await o.close()
    await idp?.close()
    for (const [name, value] of [
      ['IDENTITY_ENDPOINT', saved.endpoint],
      ['IDENTITY_HEADER', saved.header],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  function app(clientCredentials: CredentialDescription[], logs: Logged[] = []) {
    const idweb = createIdweb(
      {
        instance: `${idp.url}/`,
        tenantId: tenant,
        clientId: APP,
        clientCredentials,
        allowInsecureHttp: true,
        session: { secrets: ['a-session-secret-for-managed-identity-01'] },
      },
      { env: {}, logger: recordingLogger(logs) },
    )
    opened.push(idweb)
    return idweb
  }
  const claimsOf = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >

  it('from appsettings: the system-assigned identity authenticates the app; its token is reused', async () => {
    const settings = loadAppSettings(
      {
        AzureAd: {
          Instance: `${idp.url}/`,
          TenantId: tenant,
          ClientId: APP,
          ClientCredentials: [{ SourceType: 'SignedAssertionFromManagedIdentity' }],
        },
      },
      { env: {} },
    )
    const idweb = app(settings.clientCredentials as CredentialDescription[])
    identityRequests.length = 0
    const token = await idweb.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
    const claims = claimsOf(token.accessToken)
    assert.equal(claims.azp, APP)
    assert.deepEqual(claims.roles, ['Todo.Read.All'])
    // Another resource: a new app token, but the identity's token (valid for a day) is reused.
    const before = idp.grantCount('client_credentials')
    await idweb.acquirer.getTokenForApp([demo.graph.defaultScope])
    assert.equal(idp.grantCount('client_credentials'), before + 1)
    assert.deepEqual(identityRequests, ['trusted'])
  })

  it('a user-assigned identity the app does not trust: invalid_client (AADSTS70021), clearly', async () => {
    const idweb = app([
      {
        sourceType: 'SignedAssertionFromManagedIdentity',
        managedIdentityClientId: STRANGER.clientId,
      },
    ])
    await assert.rejects(idweb.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope]), (err) => {
      assert.ok(err instanceof ProtocolError, String(err))
      assert.equal(err.code, 'IDW_CREDENTIAL_INVALID')
      assert.deepEqual(err.errorCodes, [70021])
      assert.match(err.message, /SignedAssertionFromManagedIdentity/)
      assert.match(err.message, /No matching federated identity record/)
      assert.doesNotMatch(err.message, /eyJ/, 'no token in the message')
      return true
    })
  })

  it('an untrusted identity first, a secret next: the fallback works and the log says why', async () => {
    const logs: Logged[] = []
    const idweb = app(
      [
        {
          sourceType: 'SignedAssertionFromManagedIdentity',
          managedIdentityClientId: STRANGER.clientId,
        },
        { sourceType: 'ClientSecret', clientSecret: SECRET },
      ],
      logs,
    )
    const token = await idweb.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope])
    assert.equal(claimsOf(token.accessToken).azp, APP)
    const skipped = logs.find((l) => /skipped/.test(l.message))
    assert.equal(skipped?.fields?.setting, 'clientCredentials[0]')
    assert.match(String(skipped?.fields?.reason), /AADSTS70021/)
    assert.doesNotMatch(JSON.stringify(logs), new RegExp(`${SECRET}|eyJ`))
  })

  it('an identity endpoint that is down: a typed error naming the managed identity', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`
    // An identity never asked for before: the SDK keeps the tokens it got, per identity.
    const unseen = 'c0000000-0000-4000-8000-0000000000c9'
    try {
      const idweb = app([
        {
          sourceType: 'SignedAssertionFromManagedIdentity',
          managedIdentityClientId: unseen,
        },
      ])
      await assert.rejects(
        idweb.acquirer.getTokenForApp([demo.apps.todoApi.defaultScope]),
        (err: unknown) => {
          assert.ok(err instanceof Error)
          assert.equal((err as { code?: string }).code, 'IDW_CREDENTIAL_INVALID')
          assert.match(err.message, new RegExp(`managed identity ${unseen}`))
          return true
        },
      )
    } finally {
      process.env.IDENTITY_ENDPOINT = idp.managedIdentityEnv.IDENTITY_ENDPOINT
    }
  })
})
