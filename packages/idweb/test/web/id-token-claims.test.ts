// The ID token's claims, through the real sign-in callback and the real refresh, against a
// provider that signs whatever claims each test asks (see support/test-op.ts).
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import type { JWTPayload } from 'jose'
import { isIdwebError } from '../../src/errors.ts'
import { APP, type OpHarness, opHarness, refused } from './support/op-harness.ts'
import {
  CLIENT_ID,
  earlyInSecond,
  nowSeconds,
  OTHER_TENANT,
  startTestOp,
  TENANT,
  type TestOp,
  type TokenRequest,
} from './support/test-op.ts'

const TOLERANCE = 30

describe('ID token claims, through the callback', () => {
  let op: TestOp
  let h: OpHarness

  before(async () => {
    op = await startTestOp()
    h = opHarness(op, { app: { clockToleranceSeconds: TOLERANCE } })
  })
  after(() => op.close())
  afterEach(() => op.reset())

  /** Signs in with the default claims changed by `change` (claims set to undefined are dropped). */
  function signInWith(change: (claims: JWTPayload, request: TokenRequest) => JWTPayload) {
    op.onToken = async (request) => {
      await earlyInSecond()
      const claims = change(op.claims(request), request)
      for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k]
      return { ...(await op.answer(request)), id_token: await op.sign(claims) }
    }
    return h.signIn()
  }

  const accepted = async (res: Response) => assert.equal(res.status, 303, await res.clone().text())
  const rejected = async (res: Promise<Response>) => {
    await refused(await res, 401, 'IDW_ID_TOKEN_INVALID')
  }

  describe(`exp, nbf and iat at the exact edges of the ${TOLERANCE} s tolerance`, () => {
    for (const [claim, edge, outcome] of [
      ['exp', -TOLERANCE + 1, 'accepted'],
      ['exp', -TOLERANCE, 'rejected'],
      ['nbf', TOLERANCE, 'accepted'],
      ['nbf', TOLERANCE + 1, 'rejected'],
      ['iat', TOLERANCE, 'accepted'],
      ['iat', TOLERANCE + 1, 'rejected'],
    ] as const) {
      it(`${claim} = now ${edge >= 0 ? '+' : '−'} ${Math.abs(edge)} s → ${outcome}`, async () => {
        const res = await signInWith((c) => ({ ...c, [claim]: nowSeconds() + edge }))
        if (outcome === 'accepted') await accepted(res)
        else await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
      })
    }

    it('iat in the future beyond the tolerance → rejected, with a message that says so', async () => {
      const res = await signInWith((c) => ({ ...c, iat: nowSeconds() + 3600, nbf: undefined }))
      const text = await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
      assert.match(text, /in the future/)
    })
  })

  describe('aud, azp and nonce', () => {
    it('aud with an extra audience and no azp → rejected', async () =>
      rejected(signInWith((c) => ({ ...c, aud: [CLIENT_ID, 'another-app'] }))))

    it('aud with an extra audience and a wrong azp → rejected', async () =>
      rejected(signInWith((c) => ({ ...c, aud: [CLIENT_ID, 'another-app'], azp: 'another-app' }))))

    it('aud with an extra audience and azp naming this app → accepted (OpenID Connect Core 3.1.3.7)', async () =>
      accepted(
        await signInWith((c) => ({ ...c, aud: [CLIENT_ID, 'another-app'], azp: CLIENT_ID })),
      ))

    it('aud of another app only → rejected', async () =>
      rejected(signInWith((c) => ({ ...c, aud: 'another-app' }))))

    it('nonce missing → rejected', async () =>
      rejected(signInWith((c) => ({ ...c, nonce: undefined }))))

    it('nonce of another sign-in → rejected', async () =>
      rejected(signInWith((c) => ({ ...c, nonce: 'a-nonce-of-another-sign-in-000000000000000' }))))

    it('iss of another issuer → rejected', async () =>
      rejected(signInWith((c) => ({ ...c, iss: `${op.origin}/other` }))))
  })
})

describe('a refreshed ID token must name the same user', () => {
  let op: TestOp

  before(async () => {
    op = await startTestOp()
  })
  after(() => op.close())
  afterEach(() => op.reset())

  for (const [what, change] of [
    ['sub', (c: JWTPayload) => ({ ...c, sub: 'subject-mallory' })],
    ['iss', (c: JWTPayload) => ({ ...c, iss: `${op.origin}/other` })],
  ] as const) {
    it(`a refreshed ID token with a different ${what} → IDW_INTERACTION_REQUIRED, and the account’s tokens are not replaced`, async () => {
      const h = opHarness(op)
      let refreshToken = ''
      op.onToken = async (request) => {
        const answer: Record<string, unknown> = { ...(await op.answer(request)), expires_in: 60 }
        refreshToken = String(answer.refresh_token)
        return answer
      }
      assert.equal((await h.signIn()).status, 303)
      const { user } = await h.idweb.authenticate(
        new Request(`${APP}/`, { headers: { cookie: h.jar.header(APP) ?? '' } }),
      )
      assert.ok(user)
      const partition = await h.idweb.cache.partition(user.account.homeAccountId)
      const before = JSON.stringify(partition)
      let refreshes = 0
      op.onToken = async (request) => {
        refreshes++
        assert.equal(request.params.get('refresh_token'), refreshToken)
        return {
          ...(await op.answer(request)),
          id_token: await op.sign(change(op.claims(request))),
        }
      }
      await assert.rejects(h.idweb.getTokenForUser(user, ['User.Read']), (err: unknown) =>
        isIdwebError(err, 'IDW_INTERACTION_REQUIRED'),
      )
      assert.equal(refreshes, 1, 'the refresh happened')
      const after = await h.idweb.cache.partition(user.account.homeAccountId)
      assert.equal(JSON.stringify(after), before, 'nothing of the answer was stored')
    })
  }
})

describe('Entra multi-tenant, through the callback', () => {
  let op: TestOp

  before(async () => {
    op = await startTestOp()
  })
  after(() => op.close())
  afterEach(() => op.reset())

  function signInAs(h: OpHarness, claims: (request: TokenRequest) => JWTPayload) {
    op.onToken = async (request) => ({
      ...(await op.answer(request)),
      id_token: await op.sign({ ...op.claims(request), ...claims(request) }),
    })
    return h.signIn()
  }

  it('a token of the home tenant, iss filled from its tid → accepted', async () => {
    const h = opHarness(op, { shape: 'entra-multi-tenant' })
    const res = await signInAs(h, () => ({ iss: op.entraIssuer(TENANT), tid: TENANT }))
    assert.equal(res.status, 303, await res.clone().text())
  })

  it('the provider’s keys are fetched once for many sign-ins, whatever tenant each names', async () => {
    const h = opHarness(op, { shape: 'entra-multi-tenant' })
    const before = op.hitsOf(op.jwksPath)
    for (const tenant of [TENANT, OTHER_TENANT, TENANT]) {
      const res = await signInAs(h, () => ({ iss: op.entraIssuer(tenant), tid: tenant }))
      assert.equal(res.status, 303, await res.clone().text())
    }
    assert.equal(op.hitsOf(op.jwksPath), before + 1)
  })

  it('iss of tenant X carrying tid Y → rejected', async () => {
    const h = opHarness(op, { shape: 'entra-multi-tenant' })
    const res = await signInAs(h, () => ({ iss: op.entraIssuer(TENANT), tid: OTHER_TENANT }))
    await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
  })

  it('a tenant outside allowedTenants → rejected', async () => {
    const h = opHarness(op, { shape: 'entra-multi-tenant', app: { allowedTenants: [TENANT] } })
    const other = await signInAs(h, () => ({
      iss: op.entraIssuer(OTHER_TENANT),
      tid: OTHER_TENANT,
    }))
    const text = await refused(other, 401, 'IDW_ISSUER_INVALID')
    assert.match(text, /allowed tenants/)
    const home = await signInAs(h, () => ({ iss: op.entraIssuer(TENANT), tid: TENANT }))
    assert.equal(home.status, 303, 'the allowed tenant still signs in')
  })

  it('no tid, or a tid that is not a GUID → rejected', async () => {
    const h = opHarness(op, { shape: 'entra-multi-tenant' })
    for (const tid of [undefined, 'not-a-guid', `${TENANT}/x`]) {
      const res = await signInAs(h, () => ({ iss: op.entraIssuer(TENANT), tid }))
      await refused(res, 401, 'IDW_ID_TOKEN_INVALID')
    }
  })
})
