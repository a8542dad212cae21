import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { classifyChallenges, decodeClaims } from '../../src/downstream/challenge.ts'

const claims = { access_token: { acrs: { essential: true, value: 'c1' } } }
const b64 = Buffer.from(JSON.stringify(claims)).toString('base64')

describe('claims challenges', () => {
  it('decodes base64 and base64url claims to JSON', () => {
    assert.deepEqual(JSON.parse(decodeClaims(b64)!), claims)
    assert.deepEqual(
      JSON.parse(decodeClaims(Buffer.from(JSON.stringify(claims)).toString('base64url'))!),
      claims,
    )
  })

  it('ignores claims that are not a base64 JSON object', () => {
    for (const value of [
      undefined,
      '',
      'not base64!',
      btoa('[1,2]'),
      btoa('"x"'),
      btoa('{oops'),
      'A'.repeat(20_000),
    ]) {
      assert.equal(decodeClaims(value), undefined, String(value).slice(0, 20))
    }
  })

  it('tells a claims challenge from invalid_token and from anything else', () => {
    const bearer = (parameters: Record<string, string>) => ({ scheme: 'bearer', parameters })
    assert.deepEqual(classifyChallenges([bearer({ error: 'insufficient_claims', claims: b64 })]), {
      kind: 'claims',
      claims: JSON.stringify(claims),
    })
    assert.deepEqual(classifyChallenges([bearer({ error: 'invalid_token' })]), {
      kind: 'invalid_token',
    })
    assert.deepEqual(classifyChallenges([bearer({ error: 'insufficient_scope' })]), {
      kind: 'other',
    })
    assert.deepEqual(
      classifyChallenges([{ scheme: 'basic', parameters: { error: 'invalid_token' } }]),
      {
        kind: 'other',
      },
    )
    assert.deepEqual(classifyChallenges([]), { kind: 'other' })
  })
})
