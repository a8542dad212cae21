import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BearerError, toErrorResponse, wwwAuthenticate } from '../../src/api/index.ts'
import { IdwebError } from '../../src/errors.ts'

describe('WWW-Authenticate (RFC 6750 §3)', () => {
  it('names no error when the request carried no credentials', () => {
    const missing = new BearerError('missing', 'No bearer token was presented.')
    assert.equal(wwwAuthenticate(missing), 'Bearer')
    assert.equal(wwwAuthenticate(missing, { realm: 'todo' }), 'Bearer realm="todo"')
  })

  it('names invalid_token with a description', () => {
    const expired = new BearerError('expired', 'The token is expired.')
    assert.equal(
      wwwAuthenticate(expired, { realm: 'todo' }),
      'Bearer realm="todo", error="invalid_token", error_description="The token is expired."',
    )
  })

  it('keeps quoted strings safe: no quotes, backslashes, CR, LF or non-ASCII survive', () => {
    const nasty = new BearerError('issuer', 'bad "iss"\\\r\nSet-Cookie: x=1 é\u0000')
    const value = wwwAuthenticate(nasty, { realm: 'a"b\r\nc' })
    assert.ok(
      [...value].every((c) => c >= ' ' && c <= '~' && c !== '\\'),
      value,
    )
    assert.equal(value.match(/"/g)?.length, 6) // realm, error, error_description: quotes balanced
    assert.doesNotThrow(() => new Headers({ 'www-authenticate': value }))
  })

  it('cuts long descriptions', () => {
    const long = new BearerError('claims', 'x'.repeat(5_000))
    const description = /error_description="([^"]*)"/.exec(wwwAuthenticate(long))?.[1]
    assert.ok(description && description.length <= 200)
  })

  it('drops scope tokens that are not RFC 6749 scope-tokens', () => {
    const err = new BearerError('insufficient_scope', 'x', {
      requiredScopes: ['ok.scope', 'bad"scope', 'a\\b'],
    })
    assert.match(wwwAuthenticate(err), /scope="ok\.scope"$/)
    assert.match(wwwAuthenticate(err, { scope: 'a b' }), /scope="a b"$/)
  })

  it('never answers 500 for idweb errors, and hides unexposed messages', async () => {
    const internal = toErrorResponse(
      new IdwebError('IDW_STORE_UNAVAILABLE', 'redis at 10.0.0.1 down'),
    )
    assert.equal(internal.status, 503)
    assert.doesNotMatch(await internal.text(), /10\.0\.0\.1/)
    const notIdweb = toErrorResponse(new Error('bug'))
    assert.equal(notIdweb.status, 500)
    assert.doesNotMatch(await notIdweb.text(), /bug/)
    assert.equal(notIdweb.headers.get('cache-control'), 'no-store')
  })
})
