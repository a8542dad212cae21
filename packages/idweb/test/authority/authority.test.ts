import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { b2cAuthority, entraAuthority, parseAuthority } from '../../src/authority/authority.ts'
import { isIdwebError } from '../../src/errors.ts'

const T = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const MSA = '9188040d-6c67-4c5b-b112-36a304b66dad'

describe('entraAuthority: instances × tenants', () => {
  const cases: [
    string,
    string,
    Partial<ReturnType<typeof entraAuthority>> & { issuer?: string },
  ][] = [
    [
      'https://login.microsoftonline.com/',
      T,
      {
        kind: 'entra',
        isMultiTenant: false,
        environment: 'login.windows.net',
        authority: `https://login.microsoftonline.com/${T}/v2.0`,
        issuer: `exact https://login.microsoftonline.com/${T}/v2.0`,
      },
    ],
    [
      'https://login.microsoftonline.com/',
      'common',
      {
        isMultiTenant: true,
        tenantKind: 'common',
        issuer: 'template https://login.microsoftonline.com/{tenantid}/v2.0',
      },
    ],
    [
      'https://login.microsoftonline.com',
      'Organizations',
      {
        isMultiTenant: true,
        tenant: 'organizations',
        issuer: 'template https://login.microsoftonline.com/{tenantid}/v2.0',
      },
    ],
    [
      'https://login.microsoftonline.com/',
      'consumers',
      { isMultiTenant: false, issuer: `exact https://login.microsoftonline.com/${MSA}/v2.0` },
    ],
    [
      'https://login.microsoftonline.com/',
      'contoso.onmicrosoft.com',
      { tenantKind: 'domain', issuer: 'pattern https://login.microsoftonline.com/{guid}/v2.0' },
    ],
    [
      'https://login.windows.net/',
      T,
      {
        authority: `https://login.microsoftonline.com/${T}/v2.0`,
        environment: 'login.windows.net',
      },
    ],
    [
      'https://login.microsoftonline.us/',
      T,
      {
        environment: 'login.microsoftonline.us',
        discoveryUrl: `https://login.microsoftonline.us/${T}/v2.0/.well-known/openid-configuration`,
        issuer: `exact https://login.microsoftonline.us/${T}/v2.0`,
      },
    ],
    [
      'https://login.chinacloudapi.cn/',
      T,
      {
        authority: `https://login.partner.microsoftonline.cn/${T}/v2.0`,
        environment: 'login.partner.microsoftonline.cn',
      },
    ],
    [
      'https://login.partner.microsoftonline.cn/',
      'common',
      { issuer: 'template https://login.partner.microsoftonline.cn/{tenantid}/v2.0' },
    ],
    [
      'http://127.0.0.1:4000/',
      T,
      {
        kind: 'entra',
        environment: '127.0.0.1:4000',
        discoveryUrl: `http://127.0.0.1:4000/${T}/v2.0/.well-known/openid-configuration`,
        issuer: `exact http://127.0.0.1:4000/${T}/v2.0`,
      },
    ],
    [
      'http://127.0.0.1:4000/',
      'common',
      { isMultiTenant: true, issuer: 'template http://127.0.0.1:4000/{tenantid}/v2.0' },
    ],
    [
      'https://contoso.ciamlogin.com/',
      'contoso.onmicrosoft.com',
      {
        kind: 'ciam',
        environment: 'contoso.ciamlogin.com',
        issuer: 'pattern https://{guid}.ciamlogin.com/{guid}/v2.0',
      },
    ],
    [
      'https://contoso.ciamlogin.com/',
      T,
      { kind: 'ciam', issuer: `exact https://${T}.ciamlogin.com/${T}/v2.0` },
    ],
  ]
  for (const [instance, tenant, expected] of cases) {
    test(`${instance} + ${tenant}`, () => {
      const a = entraAuthority(instance, tenant)
      const { issuer, ...fields } = expected
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(a[k as keyof typeof a], v, k)
      if (issuer !== undefined)
        assert.equal(`${a.expectedIssuer.kind} ${a.expectedIssuer.value}`, issuer)
      assert.ok(Object.isFrozen(a))
    })
  }

  test('refuses malformed tenants and instances, naming the key', () => {
    for (const [instance, tenant, key] of [
      ['https://login.microsoftonline.com/', 'not a tenant', 'tenantId'],
      ['login.microsoftonline.com', T, 'instance'],
      ['ftp://login.microsoftonline.com/', T, 'instance'],
      ['https://login.microsoftonline.com/?x=1', T, 'instance'],
      ['https://contoso.ciamlogin.com/', 'common', 'tenantId'],
      ['https://contoso.b2clogin.com/', 'contoso.onmicrosoft.com', 'instance'],
    ] as const) {
      assert.throws(
        () => entraAuthority(instance, tenant),
        (e: unknown) =>
          isIdwebError(e, 'IDW_CONFIG_INVALID') && (e as unknown as { key: string }).key === key,
        `${instance} ${tenant}`,
      )
    }
  })
})

describe('parseAuthority', () => {
  const cases: [string, string, string | undefined, string][] = [
    [
      `https://login.microsoftonline.com/${T}/v2.0`,
      'entra',
      T,
      `https://login.microsoftonline.com/${T}/v2.0`,
    ],
    [
      'https://login.microsoftonline.com/common',
      'entra',
      'common',
      'https://login.microsoftonline.com/common/v2.0',
    ],
    [
      'https://login.microsoftonline.com/organizations/v2.0/',
      'entra',
      'organizations',
      'https://login.microsoftonline.com/organizations/v2.0',
    ],
    [`http://127.0.0.1:4000/${T}/v2.0`, 'entra', T, `http://127.0.0.1:4000/${T}/v2.0`],
    [
      'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/v2.0',
      'b2c',
      'contoso.onmicrosoft.com',
      'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_susi/v2.0',
    ],
    [
      'https://login.contoso.com/contoso.onmicrosoft.com/B2C_1A_signin/v2.0',
      'b2c',
      'contoso.onmicrosoft.com',
      'https://login.contoso.com/contoso.onmicrosoft.com/B2C_1A_signin/v2.0',
    ],
    [
      'https://contoso.ciamlogin.com/',
      'ciam',
      'contoso.onmicrosoft.com',
      'https://contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0',
    ],
    ['https://accounts.example/', 'oidc', undefined, 'https://accounts.example/'],
    ['https://kc.example/realms/app', 'oidc', undefined, 'https://kc.example/realms/app'],
  ]
  for (const [input, kind, tenant, canonical] of cases) {
    test(input, () => {
      const a = parseAuthority(input)
      assert.equal(a.kind, kind)
      assert.equal(a.tenant, tenant)
      assert.equal(a.authority, canonical)
    })
  }

  test('B2C: policy, environment and GUID-pattern issuer with trailing slash', () => {
    const a = b2cAuthority('https://contoso.b2clogin.com/', 'contoso.onmicrosoft.com', 'B2C_1_susi')
    assert.equal(a.policy, 'B2C_1_susi')
    assert.equal(a.environment, 'contoso.b2clogin.com')
    assert.deepEqual(a.expectedIssuer, {
      kind: 'pattern',
      value: 'https://contoso.b2clogin.com/{guid}/v2.0/',
    })
  })

  test('a generic OIDC issuer is expected verbatim', () => {
    const a = parseAuthority('https://accounts.example')
    assert.deepEqual(a.expectedIssuer, { kind: 'exact', value: 'https://accounts.example' })
    assert.equal(a.discoveryUrl, 'https://accounts.example/.well-known/openid-configuration')
  })

  test('refuses an Entra host with an extra path', () => {
    assert.throws(
      () => parseAuthority('https://login.microsoftonline.com/common/oauth2/v2.0'),
      /not an Entra authority/,
    )
  })
})
