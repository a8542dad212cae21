import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BearerValidatorOptions, createBearerValidator } from '../../src/api/index.ts'
import { ConfigError } from '../../src/errors.ts'

const base: BearerValidatorOptions = {
  jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
  issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
  clientId: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
}

const refuses = (options: BearerValidatorOptions, key: string, message?: RegExp) =>
  assert.throws(
    () => createBearerValidator(options),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err))
      assert.equal(err.key, key)
      if (message) assert.match(err.message, message)
      return true
    },
  )

describe('bearer validator configuration', () => {
  it('accepts a minimal Entra configuration', () => {
    assert.ok(createBearerValidator(base))
  })

  it('refuses alg none and HS* at construction, naming the setting', () => {
    refuses({ ...base, algorithms: ['none' as 'RS256'] }, 'algorithms', /"none" is refused/)
    refuses(
      { ...base, algorithms: ['RS256', 'HS256' as 'RS256'] },
      'algorithms',
      /"HS256" is refused/,
    )
    refuses({ ...base, algorithms: ['hs512' as 'RS256'] }, 'algorithms', /refused/)
    refuses({ ...base, algorithms: ['RSA-OAEP' as 'RS256'] }, 'algorithms', /not a supported/)
    refuses({ ...base, algorithms: [] }, 'algorithms')
  })

  it('needs keys, an issuer with jwksUri, and an audience', () => {
    refuses({ issuer: base.issuer, clientId: base.clientId }, 'jwksUri')
    refuses(
      { ...base, discoveryUrl: 'https://idp.example/.well-known/openid-configuration' },
      'discoveryUrl',
    )
    refuses({ jwksUri: base.jwksUri, clientId: base.clientId }, 'issuer')
    refuses({ jwksUri: base.jwksUri, issuer: base.issuer }, 'clientId')
    refuses({ ...base, audience: [] }, 'audience')
  })

  it('refuses plain http outside loopback, and malformed issuers', () => {
    refuses({ ...base, jwksUri: 'http://idp.example/keys' }, 'jwksUri', /https/)
    assert.ok(createBearerValidator({ ...base, jwksUri: 'http://127.0.0.1:4000/keys' }))
    refuses({ ...base, issuer: 'http://idp.example' }, 'issuer')
    refuses({ ...base, issuer: 'https://x/{tenantid}/{tenantid}' }, 'issuer', /more than one/)
    refuses({ ...base, issuer: [] }, 'issuer')
  })

  it('refuses tenants that are not GUIDs and out-of-range numbers', () => {
    refuses({ ...base, allowedTenants: ['contoso.onmicrosoft.com'] }, 'allowedTenants')
    refuses({ ...base, clockToleranceSeconds: -1 }, 'clockToleranceSeconds')
    refuses({ ...base, clockToleranceSeconds: Number.NaN }, 'clockToleranceSeconds')
    refuses({ ...base, maxTokenLength: 10 }, 'maxTokenLength')
    refuses({ ...base, requiredScopes: ['two words'] }, 'requiredScopes')
  })
})
