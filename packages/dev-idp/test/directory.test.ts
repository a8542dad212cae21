import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  type AppRegistration,
  DevIdpError,
  DirectoryIndex,
  defaultDirectoryPath,
  readDirectoryFile,
} from '../src/index.ts'
import { demo, startIdp } from './helpers.ts'

describe('directory', () => {
  it('the exported demo constants match the shipped directory.json', async () => {
    const index = new DirectoryIndex(await readDirectoryFile(defaultDirectoryPath))
    for (const tenant of Object.values(demo.tenants)) {
      assert.equal(index.tenant(tenant.domain)?.id, tenant.id)
      assert.equal(index.tenant(tenant.id)?.displayName, tenant.displayName)
    }
    for (const user of Object.values(demo.users)) {
      const found = index.userByName(user.username)
      assert.equal(found?.oid, user.oid)
      assert.equal(found?.password, user.password)
      assert.equal(found?.tenantId, user.tenantId)
      assert.equal(found?.name, user.name)
    }
    const { webApp, todoApi, cli, daemon } = demo.apps
    assert.deepEqual(index.app(webApp.clientId)?.secrets, [webApp.clientSecret])
    assert.deepEqual(index.app(webApp.clientId)?.redirectUris, [webApp.redirectUri])
    assert.deepEqual(index.app(webApp.clientId)?.postLogoutRedirectUris, [
      webApp.postLogoutRedirectUri,
    ])
    assert.deepEqual(index.app(todoApi.clientId)?.secrets, [todoApi.clientSecret])
    assert.equal(index.resource(todoApi.identifierUri)?.appId, todoApi.clientId)
    assert.equal(index.app(cli.clientId)?.publicClient, true)
    assert.deepEqual(index.app(daemon.clientId)?.secrets, [daemon.clientSecret])
    const thumbprints = (index.app(daemon.clientId)?.certificates ?? []).map((pem) =>
      new X509Certificate(pem).fingerprint.replaceAll(':', ''),
    )
    assert.deepEqual(thumbprints, [daemon.certificateThumbprint])
    assert.equal(index.resource(demo.graph.resource)?.appId, demo.graph.appId)
  })

  it('names the offending entry of an invalid directory', async () => {
    assert.throws(
      () =>
        new DirectoryIndex({
          tenants: [{ id: 'not-a-guid', displayName: 'x', domains: [] }],
          users: [],
          apps: [],
        }),
      (err: unknown) =>
        err instanceof DevIdpError &&
        err.code === 'DEV_IDP_DIRECTORY_INVALID' &&
        /tenants\[0\]\.id/.test(err.message),
    )
    assert.throws(
      () =>
        new DirectoryIndex({
          tenants: [{ id: demo.tenants.contoso.id, displayName: 'c', domains: [] }],
          users: [],
          apps: [
            {
              appId: demo.apps.webApp.clientId,
              displayName: 'w',
              homeTenant: demo.tenants.contoso.id,
              signInAudience: 'AzureADMyOrg',
            },
          ],
        }),
      /needs "secrets", "certificates" or "federatedIdentityCredentials"/,
    )
  })

  describe('optionalClaims and groupMembershipClaims', () => {
    const base: AppRegistration = {
      appId: demo.apps.webApp.clientId,
      displayName: 'Web',
      homeTenant: demo.tenants.contoso.id,
      signInAudience: 'AzureADMyOrg',
      secrets: ['s'],
    }
    const withApp = (extra: Record<string, unknown>) => () =>
      new DirectoryIndex({
        tenants: [{ id: demo.tenants.contoso.id, displayName: 'c', domains: [] }],
        users: [],
        apps: [{ ...base, ...extra } as AppRegistration],
      })
    const invalid = (path: string, message: RegExp) => (err: unknown) =>
      err instanceof DevIdpError &&
      err.code === 'DEV_IDP_DIRECTORY_INVALID' &&
      err.message.startsWith(`directory ${path}: `) &&
      message.test(err.message)

    it("accepts Entra's manifest shape, extra fields and null included", () => {
      const index = withApp({
        optionalClaims: {
          idToken: [
            { name: 'given_name', source: null, essential: false, additionalProperties: [] },
            { name: 'email' },
          ],
          accessToken: [{ name: 'idtyp' }, { name: 'groups', additionalProperties: ['x'] }],
          saml2Token: [{ name: 'anything' }],
        },
        groupMembershipClaims: 'SecurityGroup',
      })()
      const app = index.app(base.appId)
      assert.deepEqual(
        app?.optionalClaims?.idToken?.map((c) => c.name),
        ['given_name', 'email'],
      )
      assert.equal(app?.groupMembershipClaims, 'SecurityGroup')
      const none = withApp({ optionalClaims: null, groupMembershipClaims: null })().app(base.appId)
      assert.equal(none?.optionalClaims, undefined)
      assert.equal(none?.groupMembershipClaims, undefined)
    })

    it('refuses an unknown claim name, naming the entry and the supported names', () => {
      assert.throws(
        withApp({ optionalClaims: { idToken: [{ name: 'given_name' }, { name: 'upn' }] } }),
        invalid(
          'apps[0].optionalClaims.idToken[1].name',
          /"upn" is not an optional idToken claim \(supported: given_name, family_name, groups, email\)/,
        ),
      )
      assert.throws(
        withApp({ optionalClaims: { accessToken: [{ name: 'email' }] } }),
        invalid('apps[0].optionalClaims.accessToken[0].name', /"email" is not an optional/),
      )
      assert.throws(
        withApp({ optionalClaims: { idToken: [{ name: 'idtyp' }] } }),
        invalid('apps[0].optionalClaims.idToken[0].name', /"idtyp" is not an optional idToken/),
      )
    })

    it('refuses wrong types', () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ optionalClaims: ['given_name'] }, 'apps[0].optionalClaims', /must be an object/],
        [{ optionalClaims: { idToken: 'given_name' } }, 'apps[0].optionalClaims.idToken', /array/],
        [
          { optionalClaims: { idToken: ['given_name'] } },
          'apps[0].optionalClaims.idToken[0]',
          /object/,
        ],
        [{ optionalClaims: { idToken: [{}] } }, 'apps[0].optionalClaims.idToken[0].name', /string/],
        [
          { optionalClaims: { idToken: [{ name: 'groups', essential: 'yes' }] } },
          'apps[0].optionalClaims.idToken[0].essential',
          /true or false/,
        ],
        [
          { optionalClaims: { idToken: [{ name: 'groups', source: 1 }] } },
          'apps[0].optionalClaims.idToken[0].source',
          /string or null/,
        ],
        [
          { optionalClaims: { idToken: [{ name: 'groups', additionalProperties: 'x' }] } },
          'apps[0].optionalClaims.idToken[0].additionalProperties',
          /array of strings/,
        ],
        [{ optionalClaims: { id_token: [] } }, 'apps[0].optionalClaims.id_token', /token type/],
        [
          { groupMembershipClaims: 'DirectoryRole' },
          'apps[0].groupMembershipClaims',
          /"None", "SecurityGroup" or "All" \(got "DirectoryRole"\)/,
        ],
        [{ groupMembershipClaims: true }, 'apps[0].groupMembershipClaims', /got true/],
      ]
      for (const [extra, path, message] of cases) {
        assert.throws(withApp(extra), invalid(path, message), JSON.stringify(extra))
      }
    })
  })

  describe('federatedIdentityCredentials and managedIdentities', () => {
    const tenants = [{ id: demo.tenants.contoso.id, displayName: 'c', domains: [] }]
    const fic = { name: 'f', issuer: '{origin}/t/v2.0', subject: 's', audiences: ['api://x'] }
    const app = (extra: Record<string, unknown>) =>
      ({
        appId: demo.apps.webApp.clientId,
        displayName: 'Web',
        homeTenant: demo.tenants.contoso.id,
        signInAudience: 'AzureADMyOrg',
        ...extra,
      }) as AppRegistration
    const mi = {
      clientId: 'c0000000-0000-4000-8000-000000000001',
      principalId: 'c0000000-0000-4000-8000-0000000000a1',
      tenant: demo.tenants.contoso.id,
      displayName: 'host',
    }

    it('an app with only a federated credential is a confidential client; audiences default', () => {
      const index = new DirectoryIndex({
        tenants,
        users: [],
        apps: [app({ federatedIdentityCredentials: [{ ...fic, audiences: undefined }] })],
        managedIdentities: [mi, { ...mi, clientId: mi.principalId, type: 'SystemAssigned' }],
      })
      const credentials = index.apps[0]?.federatedIdentityCredentials
      assert.deepEqual(credentials?.[0]?.audiences, ['api://AzureADTokenExchange'])
      assert.equal(index.managedIdentity({})?.type, 'SystemAssigned')
      assert.equal(
        index.managedIdentity({ clientId: mi.clientId.toUpperCase() })?.type,
        'UserAssigned',
      )
    })

    it('refuses malformed entries, naming them', () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [
          { apps: [app({ federatedIdentityCredentials: {} })] },
          /federatedIdentityCredentials: must be an array/,
        ],
        [
          { apps: [app({ federatedIdentityCredentials: [{ ...fic, issuer: 'not a url' }] })] },
          /\[0\]\.issuer: .*absolute URL/,
        ],
        [
          { apps: [app({ federatedIdentityCredentials: [{ ...fic, subject: '' }] })] },
          /\[0\]\.subject: must be a string/,
        ],
        [
          { apps: [app({ federatedIdentityCredentials: [{ ...fic, audiences: [] }] })] },
          /audiences: needs at least one/,
        ],
        [
          { apps: [app({ federatedIdentityCredentials: [fic, fic] })] },
          /\[1\]\.name: "f" is used twice/,
        ],
        [
          { managedIdentities: [{ ...mi, clientId: 'x' }] },
          /managedIdentities\[0\]\.clientId: "x" is not a GUID/,
        ],
        [{ managedIdentities: [{ ...mi, type: 'Both' }] }, /managedIdentities\[0\]\.type/],
        [
          { managedIdentities: [{ ...mi, tenant: 'nowhere.example' }] },
          /unknown tenant "nowhere.example"/,
        ],
        [
          {
            managedIdentities: [
              { ...mi, type: 'SystemAssigned' },
              { ...mi, type: 'SystemAssigned' },
            ],
          },
          /at most one identity can be "SystemAssigned"/,
        ],
        [{ managedIdentities: {} }, /managedIdentities: must be an array/],
        [
          { apps: [app({ secrets: ['s'], knownClientApplications: ['web'] })] },
          /knownClientApplications\[0\]: "web" is not a GUID/,
        ],
        [
          { apps: [app({ secrets: ['s'], requiredScopes: 'User.Read' })] },
          /requiredScopes: must be an array/,
        ],
      ]
      for (const [extra, message] of cases) {
        assert.throws(
          () =>
            new DirectoryIndex({
              tenants,
              users: [],
              apps: [app({ secrets: ['s'] })],
              ...extra,
            } as never),
          (err: unknown) =>
            err instanceof DevIdpError &&
            err.code === 'DEV_IDP_DIRECTORY_INVALID' &&
            message.test(err.message),
          JSON.stringify(extra),
        )
      }
    })
  })

  it('loads a directory file given by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-idp-dir-'))
    try {
      const path = join(dir, 'directory.json')
      await writeFile(
        path,
        JSON.stringify({
          tenants: [
            {
              id: '30000000-0000-4000-a000-000000000003',
              displayName: 'Tailspin',
              domains: ['tailspin.example'],
            },
          ],
          users: [
            {
              oid: '30000000-0000-4000-b000-000000000001',
              tenant: 'tailspin.example',
              name: 'Dan',
              preferredUsername: 'dan@tailspin.example',
              password: 'dan',
            },
          ],
          apps: [],
        }),
      )
      const idp = await startIdp({ directory: path })
      try {
        const doc = await (
          await fetch(`${idp.authority('tailspin.example')}/v2.0/.well-known/openid-configuration`)
        ).json()
        assert.equal(doc.issuer, `${idp.url}/30000000-0000-4000-a000-000000000003/v2.0`)
      } finally {
        await idp.close()
      }
      await assert.rejects(
        startIdp({ directory: join(dir, 'missing.json') }),
        /cannot read the directory file/,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
