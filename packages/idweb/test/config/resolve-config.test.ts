import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadAppSettings } from '../../src/config/app-settings.ts'
import type { IdwebOptions } from '../../src/config/options.ts'
import { resolveConfig } from '../../src/config/resolve-config.ts'
import { isIdwebError } from '../../src/errors.ts'
import type { Logger } from '../../src/logger.ts'

const SESSION = 'k3Jd9s-Qp0aZx7Lm2Vn4Bc6Hy8Tf1Rw5Eu'
const T = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const valid: IdwebOptions = {
  tenantId: 'organizations',
  clientId: 'client-1',
  clientSecret: 'a-secret',
  session: { secrets: [SESSION] },
}

function refused(
  options: IdwebOptions,
  key: string,
  fix: RegExp,
  env: Record<string, string> = {},
) {
  assert.throws(
    () => resolveConfig(options, { env }),
    (e: unknown) => {
      assert.ok(isIdwebError(e, 'IDW_CONFIG_INVALID'), String(e))
      assert.equal((e as unknown as { key: string }).key, key, String(e))
      assert.match((e as Error).message, fix)
      return true
    },
  )
}

function recorder(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, debug() {}, info() {}, error() {}, warn: (m) => void warnings.push(m) }
}

describe('resolveConfig', () => {
  test('defaults, and a deep-frozen result', () => {
    const c = resolveConfig(valid, { env: {} })
    assert.equal(c.authority.authority, 'https://login.microsoftonline.com/organizations/v2.0')
    assert.equal(c.callbackPath, '/signin-oidc')
    assert.equal(c.signedOutCallbackPath, '/signout-callback-oidc')
    assert.equal(c.signInPath, '/signin')
    assert.equal(c.signOutPath, '/signout')
    assert.equal(c.responseMode, 'form_post')
    assert.equal(c.clockToleranceSeconds, 300)
    assert.equal(c.tokenRefreshWindowSeconds, 300)
    assert.equal(c.pkceMethod, 'S256')
    assert.equal(c.allowInsecureHttp, false)
    assert.equal(c.credentials[0]?.preloaded?.kind, 'client_secret')
    assert.deepEqual(c.session?.secrets, [SESSION])
    for (const o of [
      c,
      c.authority,
      c.credentials,
      c.session,
      c.session?.secrets,
      c.downstreamApis,
      c.initialScopes,
    ]) {
      assert.ok(Object.isFrozen(o))
    }
    assert.throws(() => {
      ;(c as { clientId: string }).clientId = 'changed'
    }, TypeError)
  })

  test('refusals name the camelCase key in code, and say what to do', () => {
    refused({ ...valid, clientId: undefined }, 'clientId', /Application \(client\) ID/)
    refused({ ...valid, clientId: '[Enter_the_Application_Id_Here]' }, 'clientId', /placeholder/)
    refused(
      { ...valid, clientSecret: undefined },
      'clientSecret',
      /Certificates & secrets.*allowPublicClient/,
    )
    refused({ ...valid, clientSecret: '' }, 'clientSecret', /is empty/)
    refused({ ...valid, tenantId: undefined }, 'tenantId', /Directory \(tenant\) ID/)
    refused(
      { ...valid, session: { secrets: ['short'] } },
      'session.secrets[0]',
      /at least 32.*randomBytes/,
    )
    refused({ ...valid, session: { secrets: ['a'.repeat(40)] } }, 'session.secrets[0]', /too weak/)
    refused({ ...valid, session: { secrets: [] } }, 'session.secrets', /is missing/)
    refused({ ...valid, callbackPath: '/signin-*' }, 'callbackPath', /wildcard/)
    refused(
      { ...valid, callbackPath: 'https://app.example/signin-oidc' },
      'callbackPath',
      /give only the path/,
    )
    refused({ ...valid, callbackPath: 'signin-oidc' }, 'callbackPath', /must start with \//)
    refused({ ...valid, signOutPath: '/../x' }, 'signOutPath', /plain path/)
    refused({ ...valid, signInPath: '/signin-oidc' }, 'signInPath', /same path as callbackPath/)
    refused(
      { ...valid, responseMode: 'fragment' as 'query' },
      'responseMode',
      /form_post.*fragment/,
    )
    refused({ ...valid, pkceMethod: 'plain' as 'S256' }, 'pkceMethod', /only S256/)
    refused(
      { ...valid, idTokenSigningAlgs: ['RS256', 'none'] },
      'idTokenSigningAlgs',
      /"none" is refused/,
    )
    refused({ ...valid, idTokenSigningAlgs: ['HS256'] }, 'idTokenSigningAlgs', /asymmetric/)
    refused({ ...valid, allowedTenants: ['contoso.com'] }, 'allowedTenants', /tenant ID/)
    refused({ ...valid, tenantId: T, allowedTenants: [T] }, 'allowedTenants', /multi-tenant/)
    refused({ ...valid, clockToleranceSeconds: 3600 }, 'clockToleranceSeconds', /0 to 600/)
    refused({ ...valid, clientID: 'x' } as IdwebOptions, 'clientID', /did you mean clientId/)
    refused(
      { ...valid, downstreamApis: { todo: { baseUrl: 'todo', scopes: ['a'] } } },
      'downstreamApis.todo.baseUrl',
      /absolute URL/,
    )
    refused(
      { ...valid, downstreamApis: { todo: { baseUrl: 'http://todo.example/', scopes: ['a'] } } },
      'downstreamApis.todo.baseUrl',
      /clear text/,
    )
    refused(
      { ...valid, downstreamApis: { todo: { baseUrl: 'https://todo.example/' } } },
      'downstreamApis.todo.scopes',
      /is missing/,
    )
    refused(
      {
        ...valid,
        downstreamApis: {
          todo: {
            baseUrl: 'https://todo.example/',
            scopes: ['a'],
            relativePath: 'https://evil.example/',
          },
        },
      },
      'downstreamApis.todo.relativePath',
      /never a URL/,
    )
    refused(
      {
        ...valid,
        downstreamApis: {
          todo: {
            baseUrl: 'https://todo.example/',
            scopes: ['api://todo/read'],
            requestAppToken: true,
          },
        },
      },
      'downstreamApis.todo.scopes',
      /\.default/,
    )
    refused(
      { ...valid, postLogoutRedirectUri: 'http://app.example/' },
      'postLogoutRedirectUri',
      /https/,
    )
    refused(
      { ...valid, resetPasswordPolicyId: 'B2C_1_reset' },
      'resetPasswordPolicyId',
      /only applies to B2C/,
    )
  })

  test('refusals from appsettings name the appsettings key', () => {
    const load = (azureAd: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      loadAppSettings(
        { AzureAd: azureAd, Idweb: { Session: { Secrets: [SESSION] } }, ...extra },
        { env: {} },
      )
    assert.throws(
      () => resolveConfig(load({ TenantId: 'common' })),
      /^ConfigError: AzureAd\.ClientId: is missing: copy the Application \(client\) ID/,
    )
    refused(
      load({ TenantId: 'common', ClientId: 'x' }),
      'AzureAd.ClientSecret',
      /AzureAd\.ClientCredentials.*AzureAd\.AllowPublicClient/,
    )
    refused(
      load({
        TenantId: 'common',
        ClientId: 'x',
        ClientCredentials: [{ SourceType: 'ClientSecret', ClientSecret: '' }],
      }),
      'AzureAd.ClientCredentials[0].ClientSecret',
      /is empty/,
    )
    refused(
      load({
        TenantId: 'common',
        ClientId: 'x',
        ClientCertificates: [{ SourceType: 'Path', CertificateDiskPath: 'x.pfx' }],
      }),
      'AzureAd.ClientCertificates[0].CertificateDiskPath',
      /the file x\.pfx does not exist/,
    )
    refused(
      load({ TenantId: 'common', ClientId: 'x', ClientSecret: 's', CallbackPath: '*' }),
      'AzureAd.CallbackPath',
      /must start with \//,
    )
    refused(
      load({
        Instance: 'http://idp.example/',
        TenantId: 'common',
        ClientId: 'x',
        ClientSecret: 's',
      }),
      'AzureAd.Instance',
      /AllowInsecureHttp/,
    )
    refused(
      loadAppSettings(
        {
          AzureAd: { TenantId: 'common', ClientId: 'x', ClientSecret: 's' },
          Idweb: { Session: { Secrets: 'weak' } },
        },
        { env: {} },
      ),
      'Idweb.Session.Secrets[0]',
      /at least 32/,
    )
    refused(
      load(
        { TenantId: 'common', ClientId: 'x', ClientSecret: 's' },
        { DownstreamApis: { Todo: { BaseUrl: 'nope', Scopes: 'a' } } },
      ),
      'DownstreamApis.Todo.BaseUrl',
      /absolute URL/,
    )
  })

  test('http authority: refused by default, allowed with allowInsecureHttp (warned once per process), refused in production', () => {
    const dev = { ...valid, instance: 'http://127.0.0.1:4000/', tenantId: T }
    refused(dev, 'instance', /uses http:.*AllowInsecureHttp/)
    const logger = recorder()
    const c = resolveConfig({ ...dev, allowInsecureHttp: true }, { env: {}, logger })
    assert.equal(
      c.authority.discoveryUrl,
      `http://127.0.0.1:4000/${T}/v2.0/.well-known/openid-configuration`,
    )
    assert.ok(logger.warnings.some((w) => /INSECURE/.test(w)))
    resolveConfig({ ...dev, allowInsecureHttp: true }, { env: {}, logger })
    assert.equal(logger.warnings.filter((w) => /allowInsecureHttp is on/.test(w)).length, 1)
    refused({ ...dev, allowInsecureHttp: true }, 'allowInsecureHttp', /production/, {
      NODE_ENV: 'production',
    })
    refused(
      { ...valid, authority: 'http://accounts.example/', tenantId: undefined },
      'authority',
      /uses http:/,
    )
  })

  test('authority forms: full URL, generic OIDC, B2C, conflicts', () => {
    const generic = resolveConfig(
      { ...valid, tenantId: undefined, authority: 'https://accounts.example/' },
      { env: {} },
    )
    assert.equal(generic.authority.kind, 'oidc')
    assert.equal(
      resolveConfig(
        { ...valid, authority: `https://login.microsoftonline.com/${T}/v2.0`, tenantId: T },
        { env: {} },
      ).authority.tenant,
      T,
    )
    refused(
      { ...valid, authority: `https://login.microsoftonline.com/${T}/v2.0`, tenantId: 'common' },
      'authority',
      /disagrees/,
    )
    const b2c = resolveConfig(
      {
        ...valid,
        tenantId: undefined,
        instance: 'https://contoso.b2clogin.com/',
        domain: 'contoso.onmicrosoft.com',
        signUpSignInPolicyId: 'B2C_1_susi',
        resetPasswordPolicyId: 'B2C_1_reset',
      },
      { env: {} },
    )
    assert.equal(b2c.authority.kind, 'b2c')
    assert.deepEqual(b2c.b2c, {
      signUpSignIn: 'B2C_1_susi',
      resetPassword: 'B2C_1_reset',
      editProfile: undefined,
    })
    refused({ ...valid, signUpSignInPolicyId: 'B2C_1_susi' }, 'instance', /B2C instance/)
    refused(
      {
        ...valid,
        tenantId: undefined,
        instance: 'https://contoso.b2clogin.com/',
        signUpSignInPolicyId: 'B2C_1_susi',
      },
      'domain',
      /tenant domain/,
    )
  })

  test('allowPublicClient lets a credential-less app start; allowedTenants are normalized', () => {
    const c = resolveConfig(
      {
        ...valid,
        clientSecret: undefined,
        allowPublicClient: true,
        allowedTenants: [T.toUpperCase()],
      },
      { env: {} },
    )
    assert.deepEqual(c.credentials, [])
    assert.deepEqual(c.allowedTenants, [T])
  })

  test('scopes from strings and arrays; downstream API defaults', () => {
    const c = resolveConfig(
      {
        ...valid,
        initialScopes: 'User.Read  Mail.Read User.Read',
        downstreamApis: { todo: { baseUrl: 'http://localhost:5000', scopes: 'api://todo/read' } },
      },
      { env: {} },
    )
    assert.deepEqual(c.initialScopes, ['User.Read', 'Mail.Read'])
    assert.deepEqual(c.downstreamApis.todo, {
      name: 'todo',
      baseUrl: 'http://localhost:5000/',
      scopes: ['api://todo/read'],
      relativePath: '',
      httpMethod: 'GET',
      requestAppToken: false,
      timeoutMs: 30_000,
    })
  })
})
