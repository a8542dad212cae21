import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readBearerToken } from '../../src/api/authorization-header.ts'
import { type HeaderSource, toErrorResponse } from '../../src/api/index.ts'
import { assertRefused, validatorFor } from './support/assertions.ts'
import { startTestIssuer, type TestIssuer } from './support/test-issuer.ts'

const request = (...values: string[]): Request => {
  const headers = new Headers()
  for (const value of values) headers.append('authorization', value)
  return new Request('http://api.test/', { headers })
}

describe('Authorization header parsing', () => {
  let issuer: TestIssuer
  let token: string
  before(async () => {
    issuer = await startTestIssuer()
    token = await issuer.sign()
  })
  after(() => issuer.close())

  it('accepts the scheme in any case, with exactly one space', async () => {
    const validator = validatorFor(issuer)
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      await validator.authenticate(request(`${scheme} ${token}`))
    }
    await validator.authenticate(new Headers({ authorization: `Bearer ${token}` }))
    await validator.authenticate({ Authorization: `Bearer ${token}` })
    await validator.authenticate({ authorization: [`Bearer ${token}`] })
  })

  const cases: [string, HeaderSource, 'missing' | 'malformed_header' | 'malformed_token'][] = [
    ['no header', new Request('http://api.test/'), 'missing'],
    ['an empty header', request(''), 'malformed_header'],
    ['"Bearer" alone', request('Bearer'), 'malformed_header'],
    ['"Bearer " and nothing', request('Bearer '), 'malformed_header'],
    ['two spaces', { authorization: 'Bearer  a.b.c' }, 'malformed_header'],
    ['a tab', { authorization: 'Bearer\ta.b.c' }, 'missing'],
    ['trailing garbage', { authorization: 'Bearer a.b.c extra' }, 'malformed_header'],
    ['"Bearer a.b"', request('Bearer a.b'), 'malformed_token'],
    ['four segments', request('Bearer a.b.c.d'), 'malformed_token'],
    ['token68 padding', request('Bearer a.b.c=='), 'malformed_token'],
    ['another scheme', request('Basic dXNlcjpwYXNz'), 'missing'],
    ['10 KB of junk', { authorization: 'x'.repeat(10_240) }, 'missing'],
    [
      '10 KB of junk after Bearer',
      { authorization: `Bearer ${'!'.repeat(10_240)}` },
      'malformed_header',
    ],
    [
      'two headers (Headers joins them)',
      request('Bearer a.b.c', 'Bearer d.e.f'),
      'malformed_header',
    ],
    [
      'two headers (record)',
      { authorization: ['Bearer a.b.c', 'Bearer d.e.f'] },
      'malformed_header',
    ],
    [
      'two header names differing in case',
      { Authorization: 'Bearer a.b.c', authorization: 'Bearer a.b.c' },
      'malformed_header',
    ],
    ['a comma-joined value', { authorization: 'Bearer a.b.c, Bearer d.e.f' }, 'malformed_header'],
    ['non-ASCII', { authorization: 'Bearer a.b.cé' }, 'malformed_header'],
  ]
  for (const [name, source, reason] of cases) {
    it(`answers ${name} with 401 and an RFC 6750 challenge`, async () => {
      const error = await assertRefused(validatorFor(issuer).authenticate(source), reason)
      const challenge = toErrorResponse(error, { realm: 'todo' }).headers.get('www-authenticate')
      if (reason === 'missing') assert.equal(challenge, 'Bearer realm="todo"')
      else if (reason === 'malformed_header')
        assert.match(challenge!, /^Bearer realm="todo", error="invalid_request"/)
      else assert.match(challenge!, /^Bearer realm="todo", error="invalid_token"/)
    })
  }

  it('refuses a 1 MB token by its length, before parsing anything', async () => {
    const huge = `Bearer ${'a'.repeat(512 * 1024)}.${'b'.repeat(512 * 1024)}.c`
    const started = performance.now()
    const error = await assertRefused(
      validatorFor(issuer).authenticate({ authorization: huge }),
      'malformed_header',
    )
    // The length check, the first one, refused it: not the token's shape, nor its signature.
    assert.equal(error.message, 'The Authorization header is too long.')
    assert.ok(performance.now() - started < 250, 'nothing slow ran on the megabyte')
    assert.equal(issuer.hitsOf('/jwks'), 1) // only the baseline fetch from the first test
  })

  it('checks the length limit exactly', () => {
    const at = (n: number) => `Bearer ${'a'.repeat(n - 4)}.b.c`
    assert.equal(readBearerToken({ authorization: at(300) }, { maxTokenLength: 300 }).length, 300)
    assert.throws(() => readBearerToken({ authorization: at(301) }, { maxTokenLength: 300 }), {
      code: 'IDW_TOKEN_INVALID',
    })
  })

  it('refuses an oversized token handed to validateToken directly', async () => {
    await assertRefused(
      validatorFor(issuer).validateToken(`${'a'.repeat(20_000)}.b.c`),
      'malformed_token',
    )
  })
})
