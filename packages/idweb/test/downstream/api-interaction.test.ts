// A middle-tier API's "the user must interact" answer, both ways: what idweb's API side sends
// (interactionAnswer, through toErrorResponse) and what idweb's web side makes of it from a real
// HTTP server (an InteractionRequiredError carrying prompt=consent or the claims).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { toErrorResponse } from '../../src/api/error-response.ts'
import { createDownstreamApis } from '../../src/downstream/downstream-apis.ts'
import { DownstreamApiError } from '../../src/downstream/errors.ts'
import type { DownstreamApis } from '../../src/downstream/types.ts'
import { InteractionRequiredError, isIdwebError } from '../../src/errors.ts'
import {
  acquirerWith,
  apiConfig,
  json,
  type LocalServer,
  localTokenEndpoint,
  seedUser,
  signedInUser,
  startServer,
} from './support.ts'

const GRAPH = ['https://graph.microsoft.com/User.Read']
const CLAIMS = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'

describe('an API whose on-behalf-of call needs the user answers so its caller can act', () => {
  it('consent missing: 403, interaction_required, proposed_action="consent"', async () => {
    const res = toErrorResponse(new InteractionRequiredError('consent_required', GRAPH), {
      realm: 'todo-api',
    })
    assert.equal(res.status, 403)
    assert.equal(
      res.headers.get('www-authenticate'),
      'Bearer realm="todo-api", error="interaction_required", error_description="The user must sign in again (consent_required) for this API to act on their behalf.", proposed_action="consent"',
    )
    assert.deepEqual(await res.json(), {
      error: 'interaction_required',
      error_description:
        'The user must sign in again (consent_required) for this API to act on their behalf.',
      reason: 'consent_required',
    })
  })

  it('a claims challenge: 403, insufficient_claims with the claims in base64', async () => {
    const err = new InteractionRequiredError('claims_challenge', GRAPH, { claims: CLAIMS })
    const res = toErrorResponse(err)
    assert.equal(res.status, 403)
    const header = res.headers.get('www-authenticate') ?? ''
    assert.match(header, /^Bearer error="insufficient_claims"/)
    assert.match(header, new RegExp(`claims="${Buffer.from(CLAIMS).toString('base64')}"`))
    assert.doesNotMatch(header, /proposed_action/)
  })

  it('the incoming token refused by the provider (invalid_grant): 401 invalid_token, no scope', () => {
    const res = toErrorResponse(new InteractionRequiredError('invalid_grant', GRAPH))
    assert.equal(res.status, 401)
    const header = res.headers.get('www-authenticate') ?? ''
    assert.match(header, /error="invalid_token"/)
    assert.doesNotMatch(header, /scope=/)
  })

  it("the API's downstream scopes are not named to its caller", async () => {
    const res = toErrorResponse(new InteractionRequiredError('consent_required', ['Mail.Read']))
    assert.doesNotMatch(res.headers.get('www-authenticate') ?? '', /scope=|Mail/)
    assert.doesNotMatch(await res.text(), /Mail/)
  })
})

describe('the web side reads a middle tier 403 as a re-challenge', () => {
  let api: LocalServer
  let downstream: DownstreamApis
  const user = signedInUser()
  const SCOPES = ['api://todo/access_as_user']

  before(async () => {
    api = await startServer((req, res) => {
      const send = async (response: Response) => {
        const headers: Record<string, string> = {}
        response.headers.forEach((v, k) => {
          headers[k] = v
        })
        res.writeHead(response.status, headers)
        res.end(await response.text())
      }
      switch (new URL(req.url, 'http://x').pathname) {
        case '/consent':
          return send(toErrorResponse(new InteractionRequiredError('consent_required', GRAPH)))
        case '/claims':
          return send(
            toErrorResponse(
              new InteractionRequiredError('claims_challenge', GRAPH, { claims: CLAIMS }),
            ),
          )
        case '/interaction':
          return send(toErrorResponse(new InteractionRequiredError('login_required', GRAPH)))
        case '/forbidden':
          res.writeHead(403, { 'www-authenticate': 'Bearer error="insufficient_scope", scope="x"' })
          return void res.end('{}')
        default:
          return json(res, 200, {})
      }
    })
    const { acquirer, cache } = acquirerWith(undefined)
    await seedUser(cache, 'a-cached-user-token-for-the-todo-api-0001')
    downstream = createDownstreamApis({
      acquirer,
      apis: {
        TodoApi: apiConfig('TodoApi', `${api.origin}/`, { timeoutMs: 5_000, scopes: SCOPES }),
      },
    })
  })
  after(() => api.close())

  const failure = (relativePath: string) =>
    downstream.call('TodoApi', user, { relativePath }).then(
      () => assert.fail('expected a failure'),
      (err: unknown) => err,
    )

  it("consent: IDW_INTERACTION_REQUIRED for the API's own scopes, with prompt=consent", async () => {
    const err = await failure('consent')
    assert.ok(err instanceof InteractionRequiredError, String(err))
    assert.equal(err.reason, 'consent_required')
    assert.equal(err.prompt, 'consent')
    assert.deepEqual(
      err.scopes,
      SCOPES,
      "the scopes the web app asks for, not the API's Graph ones",
    )
    assert.ok(err.cause instanceof DownstreamApiError)
  })

  it('a claims challenge in a 403: the claims travel on, no prompt', async () => {
    const err = await failure('claims')
    assert.ok(err instanceof InteractionRequiredError)
    assert.equal(err.claims, CLAIMS)
    assert.equal(err.prompt, undefined)
  })

  it('another interaction: a plain re-challenge', async () => {
    const err = await failure('interaction')
    assert.ok(err instanceof InteractionRequiredError)
    assert.equal(err.reason, 'interaction_required')
    assert.equal(err.prompt, undefined)
  })

  it('an ordinary 403 (insufficient_scope) stays a DownstreamApiError', async () => {
    const err = await failure('forbidden')
    assert.ok(isIdwebError(err, 'IDW_DOWNSTREAM_API_ERROR'), String(err))
  })
})

describe('on behalf of a caller, a token the downstream API refuses is replaced once', () => {
  // The real dev IdP cannot make a downstream API refuse a token it issued; a local server plays
  // both the token endpoint (on-behalf-of, then refresh) and an API that refuses the first token.
  let server: LocalServer
  const grants: string[] = []
  before(async () => {
    server = await startServer((req, res) => {
      const path = new URL(req.url, 'http://x').pathname
      if (path === '/token') {
        const grant = new URLSearchParams(req.body).get('grant_type') ?? ''
        grants.push(grant)
        return json(res, 200, {
          token_type: 'Bearer',
          access_token: `downstream-token-${grants.length}`,
          refresh_token: `obo-refresh-${grants.length}`,
          expires_in: 3600,
          scope: 'User.Read',
        })
      }
      if (req.headers.authorization === 'Bearer downstream-token-1') {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' })
        return void res.end()
      }
      return json(res, 200, { ok: req.headers.authorization })
    })
  })
  after(() => server.close())

  it('the retry gets a new token (a refresh), not the cached one again', async () => {
    const { acquirer } = acquirerWith(async () => localTokenEndpoint(server.origin))
    const downstream = createDownstreamApis({
      acquirer,
      apis: { Graph: apiConfig('Graph', `${server.origin}/`, { scopes: ['User.Read'] }) },
    })
    const answer = await downstream.call<{ ok: string }>('Graph', undefined, {
      relativePath: 'me',
      onBehalfOf: 'an-incoming-user-token',
    })
    assert.equal(answer.ok, 'Bearer downstream-token-2')
    assert.deepEqual(grants, ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token'])
  })
})
