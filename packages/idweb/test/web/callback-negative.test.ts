import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type DevIdp, startDevIdp } from '@idweb/dev-idp'
import type { SignInResult } from '@idweb/dev-idp/testing'
import fc from 'fast-check'
import {
  APP,
  alice,
  demo,
  type Harness,
  type HarnessOptions,
  sessionCookie,
  startHarness,
} from './harness.ts'

/**
 * Watches the app's calls to the provider and can alter a token response in transit. The provider
 * itself is the real dev IdP: the alterations stand for a network attacker or a faulty provider,
 * which a real provider cannot be asked to be.
 */
function providerTap() {
  const tap = {
    tokenRequests: 0,
    alter: undefined as undefined | ((body: Record<string, unknown>) => Promise<void> | void),
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input)
      const response = await fetch(input, init)
      if (!url.endsWith('/oauth2/v2.0/token')) return response
      tap.tokenRequests++
      if (!tap.alter || !response.ok) return response
      const body = (await response.json()) as Record<string, unknown>
      await tap.alter(body)
      return new Response(JSON.stringify(body), {
        status: response.status,
        headers: { 'content-type': 'application/json' },
      })
    }) as typeof fetch,
  }
  return tap
}

async function failure(response: Response, status: number, code: string): Promise<void> {
  const text = await response.text()
  assert.equal(response.status, status, text.slice(0, 300))
  assert.match(text, new RegExp(code))
}

function noSessionStarted(response: Response): void {
  assert.ok(
    !response.headers
      .getSetCookie()
      .some((c) => c.startsWith('idweb.session=') && !/Max-Age=0/i.test(c)),
    'no session cookie may be issued',
  )
}

describe('sign-in callback: refused inputs, nothing cached, nobody signed in', () => {
  let idp: DevIdp
  let h: Harness
  const tap = providerTap()
  const setup = (extra: HarnessOptions = {}) =>
    startHarness({ sharedIdp: idp, deps: { fetch: tap.fetch }, ...extra })

  before(async () => {
    idp = await startDevIdp({ port: 0, host: '127.0.0.1', issuerInAuthResponse: true })
    h = await setup()
    // Alice consents once so later sign-ins go straight back to the app.
    const { callback } = await h.signIn(alice)
    assert.equal(callback.status, 303)
  })
  after(async () => {
    await h.close()
    await idp.close()
  })

  /** Starts a sign-in and returns the provider's answer, not yet posted to the app. */
  async function pendingCallback(harness = h) {
    harness.jar.clear()
    const start = await harness.app('/signin')
    return harness.completeAtProvider(start, alice)
  }

  function assertCleared(response: Response): void {
    assert.ok(
      response.headers
        .getSetCookie()
        .some((c) => c.startsWith('idweb.tx.') && /Max-Age=0/i.test(c)),
      'the transaction cookie is deleted',
    )
  }

  /**
   * Posts a fresh sign-in's callback altered by `mutate` and checks it was refused before the code
   * was redeemed: no token request, no session, the given status and error code.
   */
  async function refusedBeforeRedemption(
    mutate: (params: URLSearchParams) => void,
    code: string,
    options: { cleared?: boolean } = {},
  ): Promise<void> {
    const result = await pendingCallback()
    const before = tap.tokenRequests
    const res = await h.postCallback(result, mutate)
    assert.equal(tap.tokenRequests, before, 'no token request')
    if (options.cleared) assertCleared(res)
    noSessionStarted(res)
    await failure(res, 400, code)
  }

  /** Replays a callback to `idweb` as an attacker holding the transaction cookie would. */
  async function replay(idweb: Harness['idweb'], result: SignInResult, cookie: string) {
    const res = await idweb.handle(
      new Request(`${APP}/signin-oidc`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams(result.formPost?.params),
      }),
    )
    assert.ok(res)
    return res
  }

  for (const [name, mutate] of [
    ['missing', (p: URLSearchParams) => p.delete('state')],
    ['altered', (p: URLSearchParams) => p.set('state', `${p.get('state')}x`)],
    ['empty', (p: URLSearchParams) => p.set('state', '')],
  ] as const) {
    it(`state ${name} → 400, no token request, transaction cleared`, () =>
      refusedBeforeRedemption(mutate, 'IDW_(STATE|CALLBACK)_INVALID', { cleared: true }))
  }

  // Regression: `&code=x` appended to a real pending callback was a 502 IDW_PROTOCOL_ERROR after a
  // token request, and it used the pending sign-in up.
  for (const name of ['code', 'state', 'iss', 'error']) {
    it(`duplicated callback parameter ${name} → 400 IDW_CALLBACK_INVALID before any token request, the sign-in still pending`, async () => {
      const result = await pendingCallback()
      const before = tap.tokenRequests
      const res = await h.postCallback(result, (p) => {
        const value = p.get(name) ?? 'access_denied'
        if (!p.has(name)) p.append(name, value)
        p.append(name, value)
      })
      assert.equal(tap.tokenRequests, before, 'no token request')
      noSessionStarted(res)
      await failure(res, 400, 'IDW_CALLBACK_INVALID')
      const genuine = await h.postCallback(result)
      assert.equal(genuine.status, 303, 'the genuine response still completes the sign-in')
    })
  }

  it('state replayed after success → 400, no token request, no second session', async () => {
    const result = await pendingCallback()
    // Captured before the callback deletes it: the attacker holds a copy of the cookie.
    const txCookie = h.jar.header(APP)
    assert.match(txCookie ?? '', /idweb\.tx\./)
    const first = await h.postCallback(result)
    assert.equal(first.status, 303)
    const before = tap.tokenRequests
    // The attacker replays the whole callback, transaction cookie included.
    const replayed = await replay(h.idweb, result, txCookie ?? '')
    assert.equal(tap.tokenRequests, before, 'no token request')
    noSessionStarted(replayed)
    await failure(replayed, 400, 'IDW_STATE_INVALID')
  })

  it('code replayed to another instance (no shared replay memory) → refused by the provider, no session', async () => {
    const result = await pendingCallback()
    const cookies = h.jar.header(APP) ?? ''
    const ok = await h.postCallback(result)
    assert.equal(ok.status, 303)
    const other = await setup()
    const res = await replay(other.idweb, result, cookies)
    noSessionStarted(res)
    await failure(res, 400, 'IDW_CALLBACK_INVALID')
    await other.close()
  })

  for (const [name, mutate] of [
    ['one character different', (iss: string) => `${iss.slice(0, -1)}1`],
    ['with a trailing slash', (iss: string) => `${iss}/`],
    ['of another tenant', () => `${idp.url}/${demo.tenants.fabrikam.id}/v2.0`],
  ] as const) {
    it(`iss in the authorization response ${name} → rejected before the code is redeemed`, () =>
      refusedBeforeRedemption(
        (p) => p.set('iss', mutate(p.get('iss') ?? '')),
        'IDW_CALLBACK_INVALID',
      ))
  }

  // Found by the callback property test: an empty `error=` beside the genuine code signed in.
  for (const name of ['error', 'iss']) {
    it(`an empty ${name} parameter beside the genuine code → 400, no token request`, () =>
      refusedBeforeRedemption((p) => p.set(name, ''), 'IDW_CALLBACK_INVALID'))
  }

  for (const [name, mutate] of [
    ['missing', (p: URLSearchParams) => p.delete('code')],
    ['empty', (p: URLSearchParams) => p.set('code', '')],
  ] as const) {
    it(`code ${name} → 400, no token request, transaction cleared`, () =>
      refusedBeforeRedemption(mutate, 'IDW_CALLBACK_INVALID', { cleared: true }))
  }

  it('iss absent while the provider advertises RFC 9207 → rejected', async () => {
    const result = await pendingCallback()
    assert.ok(result.formPost?.params.get('iss'), 'the provider sends iss')
    const before = tap.tokenRequests
    const res = await h.postCallback(result, (p) => p.delete('iss'))
    assert.equal(tap.tokenRequests, before)
    await failure(res, 400, 'IDW_CALLBACK_INVALID')
  })

  it('nonce mismatch (an ID token of another sign-in swapped in) → rejected', async () => {
    let otherIdToken: string | undefined
    tap.alter = (body) => {
      otherIdToken = body.id_token as string
    }
    await h.postCallback(await pendingCallback())
    assert.ok(otherIdToken)
    tap.alter = (body) => {
      body.id_token = otherIdToken
    }
    try {
      const res = await h.postCallback(await pendingCallback())
      noSessionStarted(res)
      await failure(res, 401, 'IDW_ID_TOKEN_INVALID')
    } finally {
      tap.alter = undefined
    }
  })

  it('tampered ID token signature → rejected', async () => {
    tap.alter = (body) => {
      const [header, payload, signature = ''] = String(body.id_token).split('.')
      const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`
      body.id_token = `${header}.${payload}.${flipped}`
    }
    try {
      const res = await h.postCallback(await pendingCallback())
      noSessionStarted(res)
      await failure(res, 401, 'IDW_ID_TOKEN_INVALID')
    } finally {
      tap.alter = undefined
    }
  })

  it('tampered ID token payload (another oid) → rejected', async () => {
    tap.alter = (body) => {
      const [header, payload = '', signature] = String(body.id_token).split('.')
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
      claims.oid = demo.users.bob.oid
      body.id_token = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
    }
    try {
      const res = await h.postCallback(await pendingCallback())
      noSessionStarted(res)
      await failure(res, 401, 'IDW_ID_TOKEN_INVALID')
    } finally {
      tap.alter = undefined
    }
  })

  it('expired ID token (held back past its lifetime, no clock tolerance) → rejected', async () => {
    const shortIdp = await startDevIdp({ port: 0, host: '127.0.0.1', ttl: { idToken: 1 } })
    const strict = await startHarness({
      sharedIdp: shortIdp,
      app: { clockToleranceSeconds: 0 },
      deps: {
        fetch: (async (input: string | URL | Request, init?: RequestInit) => {
          const response = await fetch(input, init)
          if (String(input instanceof Request ? input.url : input).endsWith('/token'))
            await sleep(2200)
          return response
        }) as typeof fetch,
      },
    })
    try {
      const { callback } = await strict.signIn(alice)
      noSessionStarted(callback)
      await failure(callback, 401, 'IDW_ID_TOKEN_INVALID')
      assert.equal(sessionCookie(strict), undefined)
    } finally {
      await strict.close()
      await shortIdp.close()
    }
  })

  for (const algs of [['ES256'], ['ES256', 'PS256']]) {
    it(`ID token signed with an algorithm outside idTokenSigningAlgs ${algs.join(',')} → rejected`, async () => {
      // The dev IdP signs with RS256 and advertises it; the configured list must still win.
      const strict = await setup({ app: { idTokenSigningAlgs: algs } })
      try {
        const { callback } = await strict.signIn(alice)
        noSessionStarted(callback)
        await failure(callback, 401, 'IDW_ID_TOKEN_INVALID')
        assert.equal(sessionCookie(strict), undefined)
      } finally {
        await strict.close()
      }
    })
  }

  it('ID token signed with an algorithm in idTokenSigningAlgs → accepted', async () => {
    const listed = await setup({ app: { idTokenSigningAlgs: ['ES256', 'RS256'] } })
    try {
      const { callback } = await listed.signIn(alice)
      assert.equal(callback.status, 303, await callback.clone().text())
    } finally {
      await listed.close()
    }
  })

  it('a provider error response (access_denied) → a clear page, nobody signed in', async () => {
    const result = await pendingCallback()
    const res = await h.postCallback(result, (p) => {
      p.delete('code')
      p.set('error', 'access_denied')
      p.set('error_description', 'AADSTS50126: the user declined')
    })
    noSessionStarted(res)
    assertCleared(res)
    const text = await res.text()
    assert.equal(res.status, 403)
    assert.match(text, /access_denied/)
    assert.match(text, /IDW_AUTHORIZATION_DENIED/)
  })

  it('random callback requests never sign anyone in and never answer 5xx (property)', async () => {
    const before = tap.tokenRequests
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.oneof(fc.constantFrom('code', 'state', 'iss', 'error', 'session_state'), fc.string()),
          fc.string({ maxLength: 80 }),
          { maxKeys: 5 },
        ),
        fc.boolean(),
        fc.string({ maxLength: 200 }),
        async (params, post, cookie) => {
          const query = new URLSearchParams(params as Record<string, string>)
          const request = post
            ? new Request(`${APP}/signin-oidc`, {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
                body: query,
              })
            : new Request(`${APP}/signin-oidc?${query}`, { headers: { cookie } })
          const res = await h.idweb.handle(request)
          assert.ok(res)
          assert.ok(res.status >= 400 && res.status < 500, String(res.status))
          noSessionStarted(res)
        },
      ),
      { numRuns: 2000 },
    )
    assert.equal(tap.tokenRequests, before, 'no random callback reached the token endpoint')
  })

  it('random callbacks for a real pending sign-in never sign anyone in and never answer 5xx (property)', async () => {
    const issuer = h.idp.issuer(demo.tenants.contoso.id)
    const before = tap.tokenRequests
    let n = 0
    const optional = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: undefined })
    await fc.assert(
      fc.asyncProperty(
        optional(fc.string({ maxLength: 80 })),
        optional(fc.oneof(fc.constant(issuer), fc.constant(`${issuer}/`), fc.string())),
        optional(fc.constantFrom('access_denied', 'consent_required', 'server_error')),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 }), { maxKeys: 3 }),
        fc.boolean(),
        async (code, iss, error, extra, post) => {
          // A transaction sealed by this app, so every run gets past readTransaction.
          const state = `property-${++n}-${Math.random().toString(36).slice(2)}`
          const sealed = await h.idweb.sessions.sealTransaction(
            {
              state,
              nonce: 'n'.repeat(43),
              codeVerifier: 'v'.repeat(43),
              returnTo: '/',
              scopes: ['User.Read'],
              createdAt: Math.floor(Date.now() / 1000),
            },
            new Request(`${APP}/signin`),
          )
          const cookie = sealed.map((c) => c.split(';', 1)[0]).join('; ')
          const query = new URLSearchParams(extra)
          query.set('state', state)
          if (code !== undefined) query.set('code', code)
          if (iss !== undefined) query.set('iss', iss)
          if (error !== undefined) query.set('error', error)
          const request = post
            ? new Request(`${APP}/signin-oidc`, {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
                body: query,
              })
            : new Request(`${APP}/signin-oidc?${query}`, { headers: { cookie } })
          const res = await h.idweb.handle(request)
          assert.ok(res)
          const text = await res.text()
          assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${text.slice(0, 200)}`)
          noSessionStarted(res)
          assertCleared(res)
        },
      ),
      { numRuns: 300 },
    )
    assert.ok(tap.tokenRequests > before, 'some runs reached the token endpoint')
  })
})
