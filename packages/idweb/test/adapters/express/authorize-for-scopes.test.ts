// authorizeForScopes: interaction-required errors thrown by route handlers become a new
// authorization request at the real development provider (HTML) or a 401 JSON challenge (XHR).
// The dev IdP serves the discovery document the challenge needs; no sign-in happens here (the
// full incremental-consent round trip is in sign-in.test.ts).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import express from 'express'
import { authorizeForScopes, idwebMiddleware } from '../../../src/adapters/express/index.ts'
import {
  createIdweb,
  type Idweb,
  IdwebError,
  InteractionRequiredError,
} from '../../../src/index.ts'
import { type Listening, listen, SECRET } from './support.ts'

const CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'

describe('authorizeForScopes', () => {
  let idp: DevIdp
  let idweb: Idweb
  let server: Listening

  before(async () => {
    idp = await startDevIdp({ port: 0 })
    idweb = createIdweb(
      {
        instance: `${idp.url}/`,
        tenantId: demo.tenants.contoso.id,
        clientId: demo.apps.webApp.clientId,
        clientSecret: demo.apps.webApp.clientSecret,
        allowInsecureHttp: true,
        // Asked for at sign-in; a later re-challenge for a missing scope must not repeat it.
        initialScopes: ['Files.Read'],
        session: { secrets: [SECRET] },
      },
      { env: {} },
    )
    const app = express()
    app.use(idwebMiddleware(idweb))
    app.get(
      '/consent',
      async () => {
        throw new InteractionRequiredError('consent_required', ['Mail.Read'])
      },
      authorizeForScopes(['User.Read']),
    )
    app.get(
      '/claims',
      async () => {
        throw new InteractionRequiredError('claims_challenge', ['User.Read'], { claims: CLAIMS })
      },
      authorizeForScopes(),
    )
    app.get(
      '/anonymous',
      async (req: express.Request) => {
        await req.identity.getToken(['User.Read'])
      },
      authorizeForScopes(),
    )
    app.get(
      '/wrapped-sync',
      authorizeForScopes(['User.Read'], () => {
        throw new InteractionRequiredError('no_account', ['Mail.Read'])
      }),
    )
    app.get(
      '/other',
      async () => {
        throw new IdwebError('IDW_STATE_INVALID', 'not an interaction')
      },
      authorizeForScopes(),
    )
    app.use(((err, _req, res, _next) => {
      res.status(599).json({ passedOn: (err as IdwebError).code })
    }) as express.ErrorRequestHandler)
    server = await listen(app)
  })
  after(async () => {
    await server.close()
    await idweb.close()
    await idp.close()
  })

  const html = { accept: 'text/html' }

  test('re-challenges a person for the missing and the given scopes, returning to the page', async () => {
    const res = await fetch(`${server.url}/consent?tab=2`, { redirect: 'manual', headers: html })
    assert.equal(res.status, 302)
    const url = new URL(res.headers.get('location') ?? '')
    assert.equal(
      `${url.origin}${url.pathname}`,
      `${idp.authority(demo.tenants.contoso.id)}/oauth2/v2.0/authorize`,
    )
    // The missing scope and the given ones, plus the OpenID Connect scopes: nothing else.
    const scope = url.searchParams.get('scope')?.split(' ') ?? []
    assert.deepEqual(
      scope.filter((s) => !['openid', 'profile', 'offline_access'].includes(s)).sort(),
      ['Mail.Read', 'User.Read'],
    )
    for (const s of ['openid', 'offline_access']) assert.ok(scope.includes(s), s)
    assert.equal(url.searchParams.get('redirect_uri'), `${server.url}/signin-oidc`)
    assert.ok(
      res.headers.getSetCookie().some((c) => c.startsWith('idweb.tx.')),
      'transaction sealed',
    )
  })

  test('carries a claims challenge to the provider', async () => {
    const res = await fetch(`${server.url}/claims`, { redirect: 'manual', headers: html })
    assert.equal(res.status, 302)
    const url = new URL(res.headers.get('location') ?? '')
    assert.equal(url.searchParams.get('claims'), CLAIMS)
    assert.ok(url.searchParams.get('scope')?.split(' ').includes('User.Read'))
  })

  test('answers an XHR with 401 JSON and an insufficient_claims challenge', async () => {
    const res = await fetch(`${server.url}/claims`, {
      redirect: 'manual',
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    })
    assert.equal(res.status, 401)
    const challenge = res.headers.get('www-authenticate') ?? ''
    assert.match(challenge, /^Bearer error="insufficient_claims"/)
    assert.match(challenge, /scope="User.Read"/)
    const claims = /claims="([^"]+)"/.exec(challenge)?.[1] ?? ''
    assert.equal(Buffer.from(claims, 'base64').toString('utf8'), CLAIMS)
    const body = (await res.json()) as Record<string, unknown>
    assert.equal(body.error, 'IDW_INTERACTION_REQUIRED')
    assert.equal(body.reason, 'claims_challenge')
    assert.deepEqual(body.scopes, ['User.Read'])
    assert.equal(body.claims, CLAIMS)
    assert.equal(body.signInUrl, '/signin?returnTo=%2F')
  })

  test('answers an XHR needing consent with 401 JSON listing the scopes', async () => {
    const res = await fetch(`${server.url}/consent`, { headers: { accept: 'application/json' } })
    assert.equal(res.status, 401)
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /^Bearer error="interaction_required", error_description="[^"]+", scope="Mail.Read User.Read"$/,
    )
    assert.deepEqual(((await res.json()) as { scopes: string[] }).scopes, [
      'Mail.Read',
      'User.Read',
    ])
  })

  test('signs an anonymous caller in when a handler asks for a token', async () => {
    const res = await fetch(`${server.url}/anonymous`, { redirect: 'manual', headers: html })
    assert.equal(res.status, 302)
    assert.ok((res.headers.get('location') ?? '').startsWith(`${idp.url}/`))
  })

  test('behind a trusted https proxy the callback URL is https and the transaction cookie Secure', async () => {
    const app = express()
    app.set('trust proxy', 'loopback')
    app.use(idwebMiddleware(idweb))
    const proxied = await listen(app)
    try {
      const res = await fetch(`${proxied.url}/signin?returnTo=/x`, {
        redirect: 'manual',
        headers: { ...html, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' },
      })
      assert.equal(res.status, 302)
      const url = new URL(res.headers.get('location') ?? '')
      assert.equal(url.searchParams.get('redirect_uri'), 'https://app.example/signin-oidc')
      const tx = res.headers.getSetCookie().find((c) => c.startsWith('idweb.tx.')) ?? ''
      assert.match(tx, /; Secure/)
      assert.match(tx, /; HttpOnly/)
    } finally {
      await proxied.close()
    }
  })

  test('the wrapper form catches a synchronous throw too', async () => {
    const res = await fetch(`${server.url}/wrapped-sync`, {
      headers: { accept: 'application/json' },
    })
    assert.equal(res.status, 401)
    const body = (await res.json()) as { reason: string; scopes: string[] }
    assert.equal(body.reason, 'no_account')
    assert.deepEqual(body.scopes, ['Mail.Read', 'User.Read'])
  })

  test('passes any other error on', async () => {
    const res = await fetch(`${server.url}/other`, { headers: html })
    assert.equal(res.status, 599)
    assert.deepEqual(await res.json(), { passedOn: 'IDW_STATE_INVALID' })
  })
})
