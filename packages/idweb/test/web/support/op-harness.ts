import assert from 'node:assert/strict'
import { CookieJar } from '@idweb/dev-idp/testing'
import type { IdwebOptions } from '../../../src/config/options.ts'
import { createIdweb, type Idweb, type IdwebDependencies } from '../../../src/web/idweb.ts'
import { type CapturedLine, captureLogger } from '../../api/support/capture-logger.ts'
import { CLIENT_ID, type TestOp } from './test-op.ts'

export const APP = 'http://localhost:3000'
const SECRET = 'a-session-secret-for-the-test-provider-suite-01'

/** An idweb app pointed at a {@link TestOp}, with a cookie jar and a captured log. */
export interface OpHarness {
  readonly op: TestOp
  readonly idweb: Idweb
  readonly jar: CookieJar
  readonly log: CapturedLine[]
  logText(): string
  /** A request to the app with the jar's cookies; `Set-Cookie` goes back into the jar. */
  app(path: string, init?: RequestInit): Promise<Response>
  /** `/signin`: the authorization request's `state` and `nonce`. */
  start(path?: string): Promise<{ state: string; nonce: string; response: Response }>
  /** A whole sign-in through the real callback; resolves the callback's response. */
  signIn(options?: {
    query?: boolean
    mutate?: (params: URLSearchParams) => void
  }): Promise<Response>
}

export type AuthorityShape = 'oidc' | 'entra-multi-tenant'

/** Options of an app against the test provider. */
export function opAppOptions(op: TestOp, shape: AuthorityShape = 'oidc'): IdwebOptions {
  return {
    ...(shape === 'oidc'
      ? { authority: op.issuer }
      : { instance: `${op.origin}/`, tenantId: 'organizations' }),
    clientId: CLIENT_ID,
    clientSecret: 'test-op-client-secret',
    allowInsecureHttp: true,
    initialScopes: ['User.Read'],
    session: { secrets: [SECRET] },
  }
}

export function opHarness(
  op: TestOp,
  options: { app?: Partial<IdwebOptions>; deps?: IdwebDependencies; shape?: AuthorityShape } = {},
): OpHarness {
  const logger = captureLogger()
  const idweb = createIdweb(
    { ...opAppOptions(op, options.shape), ...options.app },
    { env: {}, logger, ...options.deps },
  )
  const jar = new CookieJar()
  const h: OpHarness = {
    op,
    idweb,
    jar,
    log: logger.lines,
    logText: () => logger.text(),
    async app(path, init = {}) {
      const url = new URL(path, APP)
      const headers = new Headers(init.headers)
      const cookie = jar.header(url)
      if (cookie && !headers.has('cookie')) headers.set('cookie', cookie)
      const response = await idweb.handle(new Request(url, { ...init, headers }))
      assert.ok(response, `${path} is an idweb route`)
      jar.store(url, response.headers)
      return response
    },
    async start(path = '/signin') {
      const response = await h.app(path)
      const location = response.headers.get('location')
      if (response.status !== 302 || !location) return { state: '', nonce: '', response }
      const params = new URL(location).searchParams
      return { state: params.get('state') ?? '', nonce: params.get('nonce') ?? '', response }
    },
    async signIn(o = {}) {
      const { state, nonce, response } = await h.start()
      assert.equal(response.status, 302, await response.clone().text())
      const params = new URLSearchParams({ code: op.codeFor(nonce), state })
      o.mutate?.(params)
      return o.query
        ? h.app(`/signin-oidc?${params}`)
        : h.app('/signin-oidc', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: params,
          })
    },
  }
  return h
}

/** Whether `response` started a session. */
export function startedSession(response: Response): boolean {
  return response.headers
    .getSetCookie()
    .some((c) => c.startsWith('idweb.session=') && !/Max-Age=0/i.test(c))
}

/** Asserts a refused sign-in: the status, the code on the page, and no session. */
export async function refused(response: Response, status: number, code: string): Promise<string> {
  const text = await response.text()
  assert.equal(response.status, status, text.slice(0, 400))
  assert.match(text, new RegExp(code))
  assert.equal(startedSession(response), false, 'no session was started')
  return text
}
