// Property tests of the sign-in callback with a real pending transaction each run, and of the ID
// token's three segments, 10,000 runs each. The token endpoint is the test provider's
// (support/test-op.ts): it redeems the codes it issued and returns whatever token a run built.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { type OpHarness, opHarness, startedSession } from './support/op-harness.ts'
import { startTestOp, type TestOp } from './support/test-op.ts'

const RUNS = 10_000

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Ways an attacker rewrites one segment of a compact JWS. */
function segment(original: () => string): fc.Arbitrary<(s: string) => string> {
  const b64 = fc.string({ unit: fc.constantFrom(...B64U), maxLength: 400 })
  return fc.oneof(
    fc.constant((s: string) => s),
    b64.map((r) => () => r),
    fc.nat().map((i) => (s: string) => {
      if (s.length === 0) return 'A'
      const at = i % s.length
      const c = s[at] === 'A' ? 'B' : 'A'
      return `${s.slice(0, at)}${c}${s.slice(at + 1)}`
    }),
    fc.nat().map((i) => (s: string) => s.slice(0, i % (s.length + 1))),
    b64.map((r) => (s: string) => `${s}${r}`),
    fc
      .jsonValue({ maxDepth: 2 })
      .map((v) => () => Buffer.from(JSON.stringify(v)).toString('base64url')),
    fc
      .record({
        alg: fc.constantFrom('none', 'None', 'HS256', 'RS256', 'ES256', 'PS256', 'RS512', ''),
        kid: fc.constantFrom('key-1', 'other', ''),
        extra: fc.dictionary(
          fc.constantFrom('crit', 'jku', 'jwk', 'x5u', 'typ', 'b64'),
          fc.jsonValue({ maxDepth: 1 }),
        ),
      })
      .map(
        ({ alg, kid, extra }) =>
          () =>
            Buffer.from(JSON.stringify({ ...extra, alg, kid })).toString('base64url'),
      ),
    fc.constant(() => original()),
  )
}

describe('callback and ID token properties', () => {
  let op: TestOp
  let h: OpHarness
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  before(async () => {
    op = await startTestOp()
    h = opHarness(op)
    process.on('unhandledRejection', onUnhandled)
  })
  after(async () => {
    process.off('unhandledRejection', onUnhandled)
    await op.close()
  })

  /** A real pending sign-in: its state, nonce, and the transaction cookie. */
  async function pending() {
    h.jar.clear()
    const { state, nonce, response } = await h.start()
    assert.equal(response.status, 302)
    return { state, nonce, cookie: h.jar.header('http://localhost:3000/') ?? '' }
  }

  function callbackRequest(params: URLSearchParams, cookie: string, post: boolean): Request {
    return post
      ? new Request('http://localhost:3000/signin-oidc', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          body: params,
        })
      : new Request(`http://localhost:3000/signin-oidc?${params}`, { headers: { cookie } })
  }

  it(`random callbacks for a real pending sign-in: only the genuine one signs in, never a 5xx (${RUNS} runs)`, async () => {
    let accepted = 0
    const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('genuine', 'random', 'missing', 'twice'),
        fc.constantFrom('genuine', 'altered', 'missing', 'twice', 'random'),
        optional(fc.oneof(fc.constant(op.issuer), fc.string({ maxLength: 60 }))),
        optional(fc.constantFrom('access_denied', 'consent_required', 'server_error', '')),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), { maxKeys: 3 }),
        fc.boolean(),
        fc.string({ maxLength: 80 }),
        async (codeForm, stateForm, iss, error, extra, post, code) => {
          const tx = await pending()
          const params = new URLSearchParams(extra)
          params.delete('code')
          params.delete('state')
          const realCode = op.codeFor(tx.nonce)
          if (codeForm === 'genuine' || codeForm === 'twice') params.append('code', realCode)
          if (codeForm === 'random' || codeForm === 'twice') params.append('code', code)
          if (stateForm === 'genuine' || stateForm === 'twice') params.append('state', tx.state)
          if (stateForm === 'altered') params.append('state', `${tx.state}x`)
          if (stateForm === 'random') params.append('state', code)
          if (stateForm === 'twice') params.append('state', tx.state)
          if (iss !== undefined) params.set('iss', iss)
          if (error !== undefined) params.set('error', error)
          const res = await h.idweb.handle(callbackRequest(params, tx.cookie, post))
          assert.ok(res)
          const text = await res.text()
          assert.ok(res.status < 500, `${res.status} ${text.slice(0, 200)}`)
          // The provider does not advertise RFC 9207, so an `iss` it did not send is ignored
          // unless empty (malformed) or different from its issuer.
          const genuine =
            codeForm === 'genuine' &&
            stateForm === 'genuine' &&
            (iss === undefined || iss === op.issuer) &&
            error === undefined &&
            [...params.keys()].length === new Set(params.keys()).size
          if (res.status === 303) {
            accepted++
            assert.ok(genuine, `accepted a forged callback: ${params}`)
            assert.ok(startedSession(res))
          } else {
            assert.ok(res.status >= 400, `${res.status}`)
            assert.equal(startedSession(res), false)
          }
        },
      ),
      { numRuns: RUNS },
    )
    assert.ok(accepted > 0, 'genuine callbacks were generated and signed in')
    assert.deepEqual(unhandled, [])
  })

  it(`random ID token segments: nothing but the provider’s own token signs in, never a 5xx (${RUNS} runs)`, async () => {
    let accepted = 0
    let current = { header: '', payload: '', signature: '' }
    await fc.assert(
      fc.asyncProperty(
        segment(() => current.header),
        segment(() => current.payload),
        segment(() => current.signature),
        fc.constantFrom(3, 3, 3, 2, 4, 5),
        async (header, payload, signature, parts) => {
          const tx = await pending()
          let sent = ''
          op.onToken = async (request) => {
            const answer = await op.answer(request)
            const [hd = '', pl = '', sg = ''] = String(answer.id_token).split('.')
            current = { header: hd, payload: pl, signature: sg }
            const segments = [header(hd), payload(pl), signature(sg)]
            while (segments.length < parts) segments.push(signature(sg))
            sent = segments.slice(0, parts).join('.')
            return { ...answer, id_token: sent }
          }
          const params = new URLSearchParams({ code: op.codeFor(tx.nonce), state: tx.state })
          const res = await h.idweb.handle(callbackRequest(params, tx.cookie, false))
          assert.ok(res)
          const text = await res.text()
          assert.ok(res.status < 500, `${res.status} ${text.slice(0, 200)}`)
          const [hd, pl, sg = ''] = sent.split('.')
          const genuine =
            parts === 3 &&
            hd === current.header &&
            pl === current.payload &&
            Buffer.from(sg, 'base64url').equals(Buffer.from(current.signature, 'base64url'))
          if (res.status === 303) {
            accepted++
            assert.ok(genuine, `accepted a forged ID token: ${sent.slice(0, 200)}`)
          } else {
            assert.equal(startedSession(res), false)
          }
        },
      ),
      { numRuns: RUNS },
    )
    op.reset()
    assert.ok(accepted > 0, 'untouched tokens were generated and signed in')
    assert.deepEqual(unhandled, [])
  })
})
