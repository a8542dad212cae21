// Property tests: adversarial Authorization headers and tokens never authenticate and never yield
// anything but a BearerError answered with 401/403. Tokens come from the controllable test issuer
// (./support/test-issuer.ts).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { BearerError, type BearerValidator, toErrorResponse } from '../../src/api/index.ts'
import { validatorFor } from './support/assertions.ts'
import { b64u, bearer, startTestIssuer, type TestIssuer } from './support/test-issuer.ts'

const RUNS = 10_000

async function refusedCleanly(validator: BearerValidator, authorization: string): Promise<void> {
  let outcome: unknown
  try {
    await validator.authenticate({ authorization })
    outcome = 'authenticated'
  } catch (err) {
    outcome = err
  }
  assert.ok(outcome instanceof BearerError, `unexpected outcome: ${String(outcome)}`)
  const { status } = toErrorResponse(outcome)
  assert.ok(status === 401 || status === 403, `status ${status}`)
}

const canonical = (token: string): string =>
  token
    .split('.')
    .map((s) => Buffer.from(s, 'base64url').toString('base64url'))
    .join('.')

describe('bearer validation under fuzzing', () => {
  let issuer: TestIssuer
  let validator: BearerValidator
  let valid: string
  before(async () => {
    issuer = await startTestIssuer()
    validator = validatorFor(issuer)
    valid = await issuer.sign()
    await validator.authenticate(bearer(valid)) // baseline: the unmutated token is accepted
  })
  after(() => issuer.close())

  it('random Authorization header values are refused with 401/403', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
        fc.constantFrom('', 'Bearer ', 'bearer ', 'Basic ', 'Bearer  '),
        (value, prefix) => refusedCleanly(validator, prefix + value),
      ),
      { numRuns: RUNS },
    )
  })

  it('random JWT-shaped tokens, with plausible headers and claims, never authenticate', async () => {
    const segment = fc
      .base64String({ minLength: 1, maxLength: 200 })
      .map((s) => s.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_') || 'A')
    const header = fc.record(
      {
        alg: fc.constantFrom('none', 'HS256', 'RS256', 'ES256', 'PS256', 'rs256', ''),
        kid: fc.constantFrom(issuer.key.kid, 'other', ''),
        typ: fc.constantFrom('JWT', 'at+jwt'),
        crit: fc.constant(['b64']),
        b64: fc.boolean(),
        jku: fc.constant(`${issuer.origin}/jku`),
      },
      { requiredKeys: ['alg'] },
    )
    const json = <T>(arb: fc.Arbitrary<T>) => arb.map((v) => b64u(JSON.stringify(v)))
    const token = fc.oneof(
      fc.tuple(segment, segment, segment).map((parts) => parts.join('.')),
      fc.tuple(json(header), json(fc.jsonValue()), segment).map((parts) => parts.join('.')),
      fc
        .tuple(json(header), fc.constant(valid.split('.')[1]!), fc.constant(valid.split('.')[2]!))
        .map((parts) => parts.join('.')),
    )
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        fc.pre(t !== valid)
        await refusedCleanly(validator, `Bearer ${t}`)
      }),
      { numRuns: RUNS },
    )
    assert.equal(issuer.hitsOf('/jku'), 0)
  })

  it('mutated valid tokens never authenticate', async () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        char: fc.constantFrom(...'AZaz09-_.'),
      }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        char: fc.constantFrom(...'Aa0-_.'),
      }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('swap' as const), a: fc.nat(2), b: fc.nat(2) }),
    )
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let mutated: string
        if (m.kind === 'swap') {
          const parts = valid.split('.')
          ;[parts[m.a], parts[m.b]] = [parts[m.b]!, parts[m.a]!]
          mutated = parts.join('.')
        } else {
          const at = m.at % valid.length
          if (m.kind === 'flip') mutated = valid.slice(0, at) + m.char + valid.slice(at + 1)
          else if (m.kind === 'delete') mutated = valid.slice(0, at) + valid.slice(at + 1)
          else if (m.kind === 'insert') mutated = valid.slice(0, at) + m.char + valid.slice(at)
          else mutated = valid.slice(0, at)
        }
        // Base64url's unused trailing bits make some different strings decode to the same bytes;
        // those are not mutations of the signed content.
        fc.pre(mutated.split('.').length !== 3 || canonical(mutated) !== canonical(valid))
        await refusedCleanly(validator, `Bearer ${mutated}`)
      }),
      { numRuns: RUNS },
    )
  })
})
