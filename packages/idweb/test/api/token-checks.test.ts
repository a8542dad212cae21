// Claim checks of createBearerValidator, with the clock injected so lifetime boundaries are exact.
// Tokens come from the controllable test issuer in ./support/test-issuer.ts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { BearerValidatorOptions } from '../../src/api/index.ts'
import { assertRefused, validatorFor } from './support/assertions.ts'
import {
  bearer,
  CALLER_APP,
  CLIENT_ID,
  issuerOf,
  NOW,
  OTHER_TENANT,
  startTestIssuer,
  TENANT,
  type TestIssuer,
} from './support/test-issuer.ts'

describe('bearer validation: claims', () => {
  let issuer: TestIssuer
  before(async () => {
    issuer = await startTestIssuer()
  })
  after(() => issuer.close())

  const at = (seconds: number, options: Partial<BearerValidatorOptions> = {}) =>
    validatorFor(issuer, { now: () => seconds * 1000, ...options })
  const lifetime = (claims: { iat?: number; nbf?: number; exp?: number }) =>
    issuer.sign({ iat: NOW - 600, nbf: NOW - 600, exp: NOW + 3600, ...claims })

  describe('lifetime, default tolerance of 300 s', () => {
    it('accepts until exp + 299 s and refuses from exp + 300 s', async () => {
      const token = await lifetime({ exp: NOW })
      await at(NOW + 299).authenticate(bearer(token))
      await assertRefused(at(NOW + 300).authenticate(bearer(token)), 'expired')
    })

    it('accepts from nbf - 300 s and refuses at nbf - 301 s', async () => {
      const token = await lifetime({ iat: NOW - 1000, nbf: NOW })
      await at(NOW - 300).authenticate(bearer(token))
      await assertRefused(at(NOW - 301).authenticate(bearer(token)), 'not_yet_valid')
    })

    it('refuses iat more than 300 s in the future, accepts exactly 300 s', async () => {
      const token = await lifetime({ iat: NOW, nbf: NOW - 1000 })
      await at(NOW - 300).authenticate(bearer(token))
      await assertRefused(at(NOW - 301).authenticate(bearer(token)), 'issued_in_future')
    })
  })

  describe('lifetime, configured tolerance', () => {
    it('with 0 s: exp is exclusive, nbf and iat inclusive, fractions of a second ignored', async () => {
      const exp = await lifetime({ exp: NOW })
      await at(NOW - 0.001, { clockToleranceSeconds: 0 }).authenticate(bearer(exp))
      await assertRefused(
        at(NOW, { clockToleranceSeconds: 0 }).authenticate(bearer(exp)),
        'expired',
      )
      const nbf = await lifetime({ iat: NOW - 10, nbf: NOW })
      await at(NOW, { clockToleranceSeconds: 0 }).authenticate(bearer(nbf))
      await assertRefused(
        at(NOW - 0.001, { clockToleranceSeconds: 0 }).authenticate(bearer(nbf)),
        'not_yet_valid',
      )
      const iat = await lifetime({ iat: NOW, nbf: NOW - 10 })
      await at(NOW, { clockToleranceSeconds: 0 }).authenticate(bearer(iat))
      await assertRefused(
        at(NOW - 1, { clockToleranceSeconds: 0 }).authenticate(bearer(iat)),
        'issued_in_future',
      )
    })

    it('with 60 s: the boundaries move by exactly 60 s', async () => {
      const token = await lifetime({ exp: NOW })
      await at(NOW + 59, { clockToleranceSeconds: 60 }).authenticate(bearer(token))
      await assertRefused(
        at(NOW + 60, { clockToleranceSeconds: 60 }).authenticate(bearer(token)),
        'expired',
      )
    })

    it('refuses a token without exp, or with a non-numeric one', async () => {
      const none = await issuer.sign({}, { omit: ['exp'] })
      await assertRefused(validatorFor(issuer).authenticate(bearer(none)), 'claims')
      const text = await issuer.sign({ exp: 'tomorrow' as unknown as number })
      await assertRefused(validatorFor(issuer).authenticate(bearer(text)), 'claims')
    })
  })

  describe('audience', () => {
    it('accepts the client id and api://{clientId} by default', async () => {
      await validatorFor(issuer).authenticate(bearer(await issuer.sign({ aud: CLIENT_ID })))
      await validatorFor(issuer).authenticate(
        bearer(await issuer.sign({ aud: `api://${CLIENT_ID}` })),
      )
      await validatorFor(issuer).authenticate(bearer(await issuer.sign({ aud: [CLIENT_ID] })))
    })

    it('refuses a token for another audience', async () => {
      const token = await issuer.sign({ aud: 'api://some-other-api' })
      await assertRefused(validatorFor(issuer).authenticate(bearer(token)), 'audience')
    })

    it('refuses an aud array that names an extra audience besides ours', async () => {
      const token = await issuer.sign({ aud: [CLIENT_ID, 'api://some-other-api'] })
      await assertRefused(validatorFor(issuer).authenticate(bearer(token)), 'audience')
    })

    it('refuses a missing aud', async () => {
      const token = await issuer.sign({}, { omit: ['aud'] })
      await assertRefused(validatorFor(issuer).authenticate(bearer(token)), 'claims')
    })

    it('uses only the configured audience when one is given', async () => {
      const validator = validatorFor(issuer, { audience: 'https://todo.example/api' })
      await validator.authenticate(bearer(await issuer.sign({ aud: 'https://todo.example/api' })))
      await assertRefused(validator.authenticate(bearer(await issuer.sign())), 'audience')
    })
  })

  describe('issuer and tenant', () => {
    it('refuses iss of tenant X carrying tid Y', async () => {
      const token = await issuer.sign({ iss: issuerOf(TENANT), tid: OTHER_TENANT })
      await assertRefused(validatorFor(issuer).authenticate(bearer(token)), 'issuer')
    })

    it('accepts any tenant through the template, but only listed tenants with allowedTenants', async () => {
      const other = await issuer.sign({ iss: issuerOf(OTHER_TENANT), tid: OTHER_TENANT })
      await validatorFor(issuer).authenticate(bearer(other))
      const listed = validatorFor(issuer, { allowedTenants: [TENANT.toUpperCase()] })
      await listed.authenticate(bearer(await issuer.sign()))
      await assertRefused(listed.authenticate(bearer(other)), 'tenant')
    })

    it('compares the filled template exactly (trailing slash, case, non-GUID tid)', async () => {
      const validator = validatorFor(issuer)
      for (const claims of [
        { iss: `${issuerOf(TENANT)}/` },
        { iss: issuerOf(TENANT).replace('login', 'LOGIN') },
        { iss: 'https://login.microsoftonline.com/evil/v2.0', tid: 'evil' },
        { iss: 'https://login.microsoftonline.com/x/y/v2.0', tid: 'x/y' },
      ]) {
        await assertRefused(validator.authenticate(bearer(await issuer.sign(claims))), 'issuer')
      }
      await assertRefused(
        validator.authenticate(bearer(await issuer.sign({}, { omit: ['iss'] }))),
        'claims',
      )
    })

    it('accepts Entra v1.0 tokens only when their issuer is configured, and pins ver', async () => {
      const v1 = await issuer.sign({
        iss: `https://sts.windows.net/${TENANT}/`,
        ver: '1.0',
        aud: `api://${CLIENT_ID}`,
        appid: CALLER_APP,
        azp: undefined,
      })
      await assertRefused(validatorFor(issuer).authenticate(bearer(v1)), 'issuer')
      const both = validatorFor(issuer, {
        issuer: [
          'https://login.microsoftonline.com/{tenantid}/v2.0',
          'https://sts.windows.net/{tenantid}/',
        ],
      })
      const principal = await both.authenticate(bearer(v1))
      assert.equal(principal.clientId, CALLER_APP)
      const mislabelled = await issuer.sign({ ver: '1.0' })
      await assertRefused(both.authenticate(bearer(mislabelled)), 'issuer')
    })

    it('accepts an exact, non-template issuer and nothing else', async () => {
      const validator = validatorFor(issuer, { issuer: 'https://idp.example' })
      await validator.authenticate(bearer(await issuer.sign({ iss: 'https://idp.example' })))
      await assertRefused(validator.authenticate(bearer(await issuer.sign())), 'issuer')
    })
  })

  describe('caller and permissions', () => {
    it('refuses client apps outside allowedClientApps', async () => {
      const validator = validatorFor(issuer, { allowedClientApps: ['another-app'] })
      await assertRefused(validator.authenticate(bearer(await issuer.sign())), 'client')
      const ok = validatorFor(issuer, { allowedClientApps: [CALLER_APP] })
      await ok.authenticate(bearer(await issuer.sign()))
    })

    it('refuses a token with neither scp nor roles (an ID token), unless told to allow it', async () => {
      const idToken = await issuer.sign({}, { omit: ['scp'] })
      await assertRefused(validatorFor(issuer).authenticate(bearer(idToken)), 'no_permission')
      await validatorFor(issuer, { allowTokensWithoutScopesOrRoles: true }).authenticate(
        bearer(idToken),
      )
    })

    it('builds the principal; the raw token is kept but never serialized', async () => {
      const token = await issuer.sign()
      const principal = await validatorFor(issuer).authenticate(bearer(token))
      assert.equal(principal.oid, '00000000-0000-0000-0000-00000000a11c')
      assert.equal(principal.sub, 'subject-alice')
      assert.equal(principal.clientId, CALLER_APP)
      assert.equal(principal.isAppOnly, false)
      assert.equal(principal.token, token)
      assert.ok(!JSON.stringify(principal).includes(token.split('.')[2]!))
      assert.ok(Object.isFrozen(principal) && Object.isFrozen(principal.claims))
    })
  })
})
