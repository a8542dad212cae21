import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { loadAppSettings } from '../../src/config/app-settings.ts'
import { resolveConfig } from '../../src/config/resolve-config.ts'
import { isIdwebError } from '../../src/errors.ts'

const dir = mkdtempSync(join(tmpdir(), 'idweb-appsettings-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const SESSION = 'k3Jd9s-Qp0aZx7Lm2Vn4Bc6Hy8Tf1Rw5Eu'

function file(text: string): string {
  const path = join(dir, `appsettings-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(path, text)
  return path
}

describe('loadAppSettings', () => {
  test('maps an Identity.Web appsettings.json with comments, any key case', () => {
    const path = file(`{
      // Identity settings, as in the Identity.Web samples
      "AzureAd": {
        "Instance": "https://login.microsoftonline.com/",
        "clientid": "2ec40e65-ba09-4853-bcde-bcb60029e596",
        "TENANTID": "common",
        /* To call an API */
        "ClientSecret": "a-real-secret-value",
        "ClientCertificates": [],
        "CallbackPath": "/signin-oidc",
        "SignedOutCallbackPath": "/signout-callback-oidc",
      },
      "DownstreamApis": {
        "GraphBeta": { "BaseUrl": "https://graph.microsoft.com/beta", "Scopes": "user.read mail.read" },
        "TodoApi": { "baseurl": "https://todo.example/api", "Scopes": ["api://todo/access_as_user"], "RelativePath": "todos", "HttpMethod": "post", "RequestAppToken": false }
      },
      "Idweb": { "Session": { "Secrets": "${SESSION}" } }
    }`)
    const options = loadAppSettings(path, { env: {} })
    assert.equal(options.clientId, '2ec40e65-ba09-4853-bcde-bcb60029e596')
    assert.equal(options.tenantId, 'common')
    assert.equal(options.clientSecret, 'a-real-secret-value')
    assert.deepEqual(options.downstreamApis?.GraphBeta?.scopes, ['user.read', 'mail.read'])
    assert.equal(options.downstreamApis?.TodoApi?.baseUrl, 'https://todo.example/api')
    assert.deepEqual(options.session?.secrets, [SESSION])
    const config = resolveConfig(options)
    assert.equal(config.downstreamApis.TodoApi?.httpMethod, 'POST')
    assert.equal(config.downstreamApis.TodoApi?.baseUrl, 'https://todo.example/api/')
  })

  test('environment overrides use the .NET convention, case-insensitively, arrays by index', () => {
    const options = loadAppSettings(
      {
        AzureAd: { TenantId: 'common', ClientId: 'from-file' },
        DownstreamApis: { TodoApi: { BaseUrl: 'https://todo.example/', Scopes: ['a', 'b'] } },
      },
      {
        env: {
          AzureAd__ClientId: 'from-env',
          AZUREAD__CLIENTSECRET: 'secret-from-env',
          DownstreamApis__todoapi__BaseUrl: 'https://todo2.example/',
          DownstreamApis__TodoApi__Scopes__1: 'c',
          DownstreamApis__Other__BaseUrl: 'https://other.example/',
          DownstreamApis__Other__Scopes__0: 'x',
          DownstreamApis__Other__Scopes__1: 'y',
          Idweb__Session__Secrets__0: SESSION,
          Unrelated__Thing: 'ignored',
        },
      },
    )
    assert.equal(options.clientId, 'from-env')
    assert.equal(options.clientSecret, 'secret-from-env')
    assert.equal(options.downstreamApis?.TodoApi?.baseUrl, 'https://todo2.example/')
    assert.deepEqual(options.downstreamApis?.TodoApi?.scopes, ['a', 'c'])
    assert.deepEqual(options.downstreamApis?.Other?.scopes, ['x', 'y'])
    assert.deepEqual(options.session?.secrets, [SESSION])
  })

  test('Idweb.Provider bounds provider calls: file, environment, defaults, and named errors', () => {
    const base = {
      AzureAd: { TenantId: 'common', ClientId: 'c', ClientSecret: 's' },
      Idweb: { Provider: { TimeoutMs: 5000 } },
    }
    const fromFile = resolveConfig(loadAppSettings(base, { env: {} }))
    assert.deepEqual(fromFile.provider, { timeoutMs: 5000, maxResponseBytes: 262_144 })
    const fromEnv = resolveConfig(
      loadAppSettings(base, { env: { Idweb__Provider__MaxResponseBytes: '65536' } }),
    )
    assert.equal(fromEnv.provider.maxResponseBytes, 65_536)
    const defaults = resolveConfig(loadAppSettings({ AzureAd: base.AzureAd }, { env: {} }))
    assert.deepEqual(defaults.provider, { timeoutMs: 10_000, maxResponseBytes: 262_144 })
    assert.throws(
      () => resolveConfig(loadAppSettings({ ...base, Idweb: { Provider: { TimeoutMs: 5 } } })),
      (err: unknown) => isIdwebError(err) && /Idweb\.Provider\.TimeoutMs/.test(err.message),
    )
    assert.throws(
      () => loadAppSettings({ ...base, Idweb: { Provider: { TimeoutMs: 'soon' } } }),
      (err: unknown) => isIdwebError(err) && /Idweb\.Provider\.TimeoutMs/.test(err.message),
    )
  })

  test('a custom section name is honoured', () => {
    const options = loadAppSettings(
      { Entra: { TenantId: 'common', ClientId: 'x' } },
      { env: { Entra__ClientSecret: 's' }, section: 'Entra' },
    )
    assert.equal(options.clientSecret, 's')
    assert.throws(
      () =>
        resolveConfig(
          loadAppSettings({ Entra: { TenantId: 'common' } }, { env: {}, section: 'Entra' }),
        ),
      /Entra\.ClientId/,
    )
  })

  test('ClientCredentials and ClientCertificates become credentials in order', () => {
    const options = loadAppSettings(
      {
        AzureAd: {
          ClientCredentials: [
            {
              SourceType: 'SignedAssertionFilePath',
              SignedAssertionFileDiskPath: '/var/run/token',
            },
            { sourcetype: 'clientsecret', ClientSecret: 'abc' },
          ],
          ClientCertificates: [
            { SourceType: 'Path', CertificateDiskPath: 'cert.pem', CertificatePassword: 'pw' },
          ],
        },
      },
      { env: {} },
    )
    assert.deepEqual(options.clientCredentials, [
      { sourceType: 'SignedAssertionFilePath', signedAssertionFileDiskPath: '/var/run/token' },
      { sourceType: 'ClientSecret', clientSecret: 'abc' },
      { sourceType: 'Path', certificateDiskPath: 'cert.pem', certificatePassword: 'pw' },
    ])
  })

  test('unsupported credential sources are refused with what to do instead', () => {
    for (const [entry, pattern] of [
      [
        { SourceType: 'StoreWithThumbprint', CertificateThumbprint: 'AB' },
        /certificate stores are not supported/,
      ],
      [
        { SourceType: 'SignedAssertionFromManagedIdentity' },
        /"SignedAssertionFromManagedIdentity" is not supported here: use Path, Base64Encoded or KeyVault/,
      ],
      [{ SourceType: 'Nonsense' }, /"Nonsense" is not supported/],
      [{}, /SourceType: is missing/],
    ] as const) {
      assert.throws(
        () => loadAppSettings({ AzureAd: { ClientCertificates: [entry] } }, { env: {} }),
        (e: unknown) => isIdwebError(e, 'IDW_CONFIG_INVALID') && pattern.test(String(e)),
      )
    }
  })

  test("Key Vault and managed identity entries read in the seeds' shape", () => {
    const options = loadAppSettings(
      {
        AzureAd: {
          ClientCredentials: [
            {
              SourceType: 'KeyVault',
              KeyVaultUrl: 'https://contoso.vault.azure.net',
              KeyVaultCertificateName: 'web-app-cert',
            },
            { SourceType: 'SignedAssertionFromManagedIdentity', ManagedIdentityClientId: 'mi-1' },
            { SourceType: 'signedassertionfrommanagedidentity' },
          ],
        },
      },
      { env: {} },
    )
    assert.deepEqual(options.clientCredentials, [
      {
        sourceType: 'KeyVault',
        keyVaultUrl: 'https://contoso.vault.azure.net',
        keyVaultCertificateName: 'web-app-cert',
      },
      { sourceType: 'SignedAssertionFromManagedIdentity', managedIdentityClientId: 'mi-1' },
      { sourceType: 'SignedAssertionFromManagedIdentity' },
    ])
  })

  test('invalid JSON names the file and the line', () => {
    const path = file('{\n "AzureAd": {\n  "ClientId": "x"\n  "TenantId": "common"\n }\n}')
    assert.throws(
      () => loadAppSettings(path, { env: {} }),
      (e: unknown) =>
        isIdwebError(e, 'IDW_CONFIG_INVALID') &&
        String(e).includes(path) &&
        /line 4/.test(String(e)),
    )
    assert.throws(() => loadAppSettings(join(dir, 'missing.json'), { env: {} }), /cannot be read/)
  })

  test('wrongly typed values are refused naming the key', () => {
    assert.throws(
      () => loadAppSettings({ AzureAd: { AllowInsecureHttp: 'yes' } }, { env: {} }),
      /AzureAd\.AllowInsecureHttp: must be true or false/,
    )
    assert.throws(
      () => loadAppSettings({ AzureAd: { ClockToleranceSeconds: 'soon' } }, { env: {} }),
      /AzureAd\.ClockToleranceSeconds: must be a number/,
    )
    assert.equal(
      loadAppSettings({ AzureAd: {} }, { env: { AzureAd__ClockToleranceSeconds: '60' } })
        .clockToleranceSeconds,
      60,
    )
  })
})
