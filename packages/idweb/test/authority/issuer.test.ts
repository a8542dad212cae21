import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { entraAuthority, oidcAuthority } from '../../src/authority/authority.ts'
import { expectedIssuerFor, issuerMatches, validateIssuer } from '../../src/authority/issuer.ts'
import { isIdwebError } from '../../src/errors.ts'

const A = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const B = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'
const common = entraAuthority('https://login.microsoftonline.com/', 'common')
const single = entraAuthority('https://login.microsoftonline.com/', A)
const issuerOf = (t: string) => `https://login.microsoftonline.com/${t}/v2.0`
const invalid = (e: unknown) => isIdwebError(e, 'IDW_ISSUER_INVALID')

describe('validateIssuer: multi-tenant template', () => {
  test('fills {tenantid} from tid and accepts the exact issuer', () => {
    assert.equal(validateIssuer(issuerOf(A), { tid: A }, common), issuerOf(A))
    assert.equal(
      validateIssuer(issuerOf(B), { tid: B }, common, { issuer: common.expectedIssuer.value }),
      issuerOf(B),
    )
  })

  test('iss of tenant X with tid Y is rejected', () => {
    assert.throws(() => validateIssuer(issuerOf(A), { tid: B }, common), invalid)
  })

  test('one-character, trailing-slash, case and prefix variants are rejected', () => {
    for (const iss of [
      `${issuerOf(A)}/`,
      issuerOf(A).replace('v2.0', 'v2.1'),
      issuerOf(A).replace('https', 'http'),
      issuerOf(A).replace('login.', 'logim.'),
      issuerOf(A.toUpperCase()),
      `${issuerOf(A)}x`,
      `https://evil.example/${A}/v2.0`,
      `https://login.microsoftonline.com.evil.example/${A}/v2.0`,
      ` ${issuerOf(A)}`,
    ]) {
      assert.throws(() => validateIssuer(iss, { tid: A }, common), invalid, iss)
    }
  })

  test('a missing or malformed tid is rejected', () => {
    for (const tid of [undefined, '', 'common', `${A}/x`, 42, [A]]) {
      assert.throws(() => validateIssuer(issuerOf(A), { tid }, common), invalid, String(tid))
    }
  })

  test('a tenant outside allowedTenants is rejected; one inside is accepted (case-insensitive)', () => {
    assert.throws(
      () => validateIssuer(issuerOf(B), { tid: B }, common, { allowedTenants: [A] }),
      invalid,
    )
    assert.equal(
      validateIssuer(issuerOf(A), { tid: A }, common, { allowedTenants: [A.toUpperCase()] }),
      issuerOf(A),
    )
  })

  test('expectedIssuerFor gives oauth4webapi the exact issuer to enforce', () => {
    assert.equal(expectedIssuerFor({ tid: B }, common), issuerOf(B))
  })
})

describe('validateIssuer: single tenant and generic OIDC', () => {
  test('exact match with the discovery issuer', () => {
    assert.equal(validateIssuer(issuerOf(A), { tid: A }, single), issuerOf(A))
    assert.throws(() => validateIssuer(issuerOf(B), { tid: B }, single), invalid)
    assert.throws(() => validateIssuer(`${issuerOf(A)}/`, { tid: A }, single), invalid)
    assert.throws(() => validateIssuer(undefined, { tid: A }, single), invalid)
  })

  test('generic provider: trailing slash matters', () => {
    const oidc = oidcAuthority('https://accounts.example/')
    assert.equal(validateIssuer('https://accounts.example/', {}, oidc), 'https://accounts.example/')
    assert.throws(() => validateIssuer('https://accounts.example', {}, oidc), invalid)
  })

  test('domain-named tenant needs the discovered issuer', () => {
    const byDomain = entraAuthority('https://login.microsoftonline.com/', 'contoso.onmicrosoft.com')
    assert.throws(
      () => validateIssuer(issuerOf(A), { tid: A }, byDomain),
      (e: unknown) => isIdwebError(e, 'IDW_DISCOVERY_FAILED'),
    )
    assert.equal(
      validateIssuer(issuerOf(A), { tid: A }, byDomain, { issuer: issuerOf(A) }),
      issuerOf(A),
    )
  })
})

describe('issuerMatches patterns', () => {
  test('one GUID, repeated consistently', () => {
    const ciam = { kind: 'pattern', value: 'https://{guid}.ciamlogin.com/{guid}/v2.0' } as const
    assert.ok(issuerMatches(ciam, `https://${A}.ciamlogin.com/${A}/v2.0`))
    assert.ok(!issuerMatches(ciam, `https://${A}.ciamlogin.com/${B}/v2.0`))
    assert.ok(!issuerMatches(ciam, `https://${A}.ciamlogin.com/${A}/v2.0/`))
    assert.ok(
      !issuerMatches(
        { kind: 'pattern', value: 'https://login.microsoftonline.com/{guid}/v2.0' },
        'https://login.microsoftonline.com/common/v2.0',
      ),
    )
  })
})
