import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { DevIdp } from '../src/index.ts'
import { demo, discover, startIdp } from './helpers.ts'

describe('discovery', () => {
  let idp: DevIdp
  before(async () => {
    idp = await startIdp()
  })
  after(() => idp.close())

  it('serves a tenant by GUID with oauth4webapi, issuer {origin}/{tid}/v2.0 and Entra paths', async () => {
    const as = await discover(idp)
    const tid = demo.tenants.contoso.id
    assert.equal(as.issuer, `${idp.url}/${tid}/v2.0`)
    assert.equal(as.authorization_endpoint, `${idp.url}/${tid}/oauth2/v2.0/authorize`)
    assert.equal(as.token_endpoint, `${idp.url}/${tid}/oauth2/v2.0/token`)
    assert.equal(as.jwks_uri, `${idp.url}/${tid}/discovery/v2.0/keys`)
    assert.equal(as.end_session_endpoint, `${idp.url}/${tid}/oauth2/v2.0/logout`)
    assert.equal(as.device_authorization_endpoint, `${idp.url}/${tid}/oauth2/v2.0/devicecode`)
    assert.equal(as.authorization_response_iss_parameter_supported, undefined)
    const jwks = await (await fetch(String(as.jwks_uri))).json()
    assert.equal(jwks.keys[0].kty, 'RSA')
    assert.equal(jwks.keys[0].d, undefined)
  })

  it('serves a tenant by verified domain with the GUID issuer', async () => {
    const res = await fetch(
      `${idp.authority('contoso.example')}/v2.0/.well-known/openid-configuration`,
    )
    assert.equal(res.status, 200)
    const doc = await res.json()
    assert.equal(doc.issuer, idp.issuer(demo.tenants.contoso.id))
    assert.equal(idp.issuer('contoso.example'), doc.issuer)
  })

  for (const segment of ['common', 'organizations']) {
    it(`serves ${segment} with the templated issuer`, async () => {
      const doc = await (
        await fetch(`${idp.url}/${segment}/v2.0/.well-known/openid-configuration`)
      ).json()
      assert.equal(doc.issuer, `${idp.url}/{tenantid}/v2.0`)
      assert.equal(doc.authorization_endpoint, `${idp.url}/${segment}/oauth2/v2.0/authorize`)
      assert.equal(doc.token_endpoint, `${idp.url}/${segment}/oauth2/v2.0/token`)
      const keys = await (await fetch(doc.jwks_uri)).json()
      assert.equal(keys.keys.length, 1)
    })
  }

  it('answers an unknown tenant with AADSTS90002 (400 JSON)', async () => {
    const res = await fetch(`${idp.url}/nope.example/v2.0/.well-known/openid-configuration`)
    assert.equal(res.status, 400)
    const body = await res.json()
    assert.equal(body.error, 'invalid_tenant')
    assert.deepEqual(body.error_codes, [90002])
    assert.match(body.error_description, /^AADSTS90002: /)
    assert.match(body.error_description, /\r\nTrace ID: .+\r\nCorrelation ID: .+\r\nTimestamp: .+$/)
  })

  it('advertises authorization_response_iss_parameter_supported only with issuerInAuthResponse', async () => {
    const withIss = await startIdp({ issuerInAuthResponse: true })
    try {
      const as = await discover(withIss)
      assert.equal(as.authorization_response_iss_parameter_supported, true)
    } finally {
      await withIss.close()
    }
  })
})
