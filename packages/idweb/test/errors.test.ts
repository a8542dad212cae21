import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ConfigError,
  errorRegistry,
  IdwebError,
  InteractionRequiredError,
  isIdwebError,
  ProtocolError,
} from '../src/errors.ts'

describe('error registry', () => {
  it('gives every error the status and exposure its code registers', () => {
    const err = new IdwebError('IDW_STATE_INVALID', 'state mismatch')
    assert.equal(err.status, 400)
    assert.equal(err.expose, true)
    assert.equal(new IdwebError('IDW_CONFIG_INVALID', 'x').expose, false)
    for (const [code, spec] of Object.entries(errorRegistry)) {
      assert.match(code, /^IDW_[A-Z_]+$/)
      assert.ok(spec.status >= 400 && spec.status < 600, code)
    }
  })

  it('names the configuration key in config errors', () => {
    const err = new ConfigError('AzureAd.ClientId', 'is missing')
    assert.equal(err.code, 'IDW_CONFIG_INVALID')
    assert.equal(err.key, 'AzureAd.ClientId')
    assert.match(err.message, /^AzureAd\.ClientId: is missing/)
    assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'))
    assert.ok(!isIdwebError(err, 'IDW_TIMEOUT'))
    assert.ok(!isIdwebError(new Error('plain')))
  })

  it('keeps the provider fields of protocol errors and reads AADSTS codes', () => {
    const err = new ProtocolError({
      error: 'invalid_grant',
      errorDescription: 'AADSTS65001: The user has not consented.\r\nTrace ID: abc',
      suberror: 'consent_required',
      correlationId: 'c0ffee',
    })
    assert.deepEqual(err.errorCodes, [65001])
    assert.equal(err.suberror, 'consent_required')
    assert.equal(err.correlationId, 'c0ffee')
    assert.match(
      err.message,
      /invalid_grant \(AADSTS65001\): AADSTS65001: The user has not consented\.$/,
    )
  })

  it('carries the scopes and claims to re-challenge for', () => {
    const err = new InteractionRequiredError('claims_challenge', ['User.Read'], {
      claims: '{"access_token":{}}',
    })
    assert.equal(err.code, 'IDW_INTERACTION_REQUIRED')
    assert.deepEqual(err.scopes, ['User.Read'])
    assert.equal(err.claims, '{"access_token":{}}')
    assert.throws(() => (err.scopes as string[]).push('x'), TypeError)
  })
})
