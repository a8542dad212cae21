import { type DevIdp, demo, type StartDevIdpOptions, startDevIdp } from '@idweb/dev-idp'
import { CookieJar, type SignInResult, signInInteractively } from '@idweb/dev-idp/testing'
import type { IdwebOptions } from '../../src/config/options.ts'
import { createIdweb, type Idweb, type IdwebDependencies } from '../../src/web/idweb.ts'

export { demo }

/** Where the app under test pretends to live: the demo registration's redirect URI origin. */
export const APP = 'http://localhost:3000'
export const SECRETS = ['a-test-session-secret-that-is-long-enough-0001']

/** A started dev IdP and an idweb web app pointed at it, with a browser-like cookie jar. */
export interface Harness {
  idp: DevIdp
  idweb: Idweb
  jar: CookieJar
  /** Sends a request to the app as the browser would (cookies from and into the jar). */
  app(path: string, init?: RequestInit): Promise<Response>
  /** Follows a sign-in that the app started with `response` (a 302 to the provider). */
  completeAtProvider(
    response: Response,
    user?: { username: string; password: string },
    options?: { consent?: boolean },
  ): Promise<SignInResult>
  /** Posts the provider's form_post answer to the app's callback. */
  postCallback(result: SignInResult, mutate?: (params: URLSearchParams) => void): Promise<Response>
  /** Full sign-in: /signin → provider → callback. Returns the callback response. */
  signIn(
    user?: { username: string; password: string },
    path?: string,
  ): Promise<{ callback: Response; provider: SignInResult }>
  /** A second app instance with the same configuration (a restart or another node). */
  restart(deps?: IdwebDependencies): Idweb
  close(): Promise<void>
}

export interface HarnessOptions {
  idp?: StartDevIdpOptions
  /** Overrides of the app options; `tenantId` defaults to Contoso's domain. */
  app?: Partial<IdwebOptions>
  deps?: IdwebDependencies
  /** Reuse a running provider (it is then not closed). */
  sharedIdp?: DevIdp
}

export const alice = { username: demo.users.alice.username, password: demo.users.alice.password }
export const bob = { username: demo.users.bob.username, password: demo.users.bob.password }
export const carol = { username: demo.users.carol.username, password: demo.users.carol.password }

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const idp =
    options.sharedIdp ?? (await startDevIdp({ port: 0, host: '127.0.0.1', ...options.idp }))
  const appOptions: IdwebOptions = {
    instance: `${idp.url}/`,
    tenantId: demo.tenants.contoso.domain,
    clientId: demo.apps.webApp.clientId,
    clientSecret: demo.apps.webApp.clientSecret,
    allowInsecureHttp: true,
    initialScopes: ['User.Read'],
    session: { secrets: SECRETS },
    ...options.app,
  }
  const make = (deps?: IdwebDependencies) =>
    createIdweb(appOptions, { env: {}, ...options.deps, ...deps })
  const jar = new CookieJar()
  // The browser trusts what the app's provider calls trust (an https dev IdP's local CA).
  const fetchOption = options.deps?.fetch ? { fetch: options.deps.fetch } : {}
  const h: Harness = {
    idp,
    idweb: make(),
    jar,
    async app(path, init = {}) {
      const url = new URL(path, APP)
      const headers = new Headers(init.headers)
      const cookie = jar.header(url)
      if (cookie && !headers.has('cookie')) headers.set('cookie', cookie)
      const response =
        (await h.idweb.handle(new Request(url, { ...init, headers }))) ??
        new Response('not an idweb route', { status: 404 })
      jar.store(url, response.headers)
      return response
    },
    completeAtProvider(response, user = alice, o = {}) {
      const location = response.headers.get('location')
      if (response.status !== 302 || !location) {
        throw new Error(`expected a redirect to the provider, got ${response.status}`)
      }
      return signInInteractively(location, { ...user, jar, ...o, ...fetchOption })
    },
    postCallback(result, mutate) {
      if (result.kind !== 'form_post' || !result.formPost) {
        throw new Error(
          `the provider did not answer with a form post: ${result.kind} ${result.page?.slice(0, 300)}`,
        )
      }
      const params = new URLSearchParams(result.formPost.params)
      mutate?.(params)
      return h.app(new URL(result.formPost.action).pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: params,
      })
    },
    async signIn(user = alice, path = '/signin') {
      const start = await h.app(path)
      const provider = await h.completeAtProvider(start, user)
      const callback = await h.postCallback(provider)
      return { callback, provider }
    },
    restart(deps) {
      h.idweb = make(deps)
      return h.idweb
    },
    async close() {
      await h.idweb.close()
      if (!options.sharedIdp) await idp.close()
    },
  }
  return h
}

/** The current browser request to the app, for `authenticate`. */
export function browserRequest(h: Harness, path = '/'): Request {
  const url = new URL(path, APP)
  const cookie = h.jar.header(url)
  return new Request(url, { headers: cookie ? { cookie } : {} })
}

/** A request to the app that carries exactly `cookie`, as a replayed copy of it would. */
export function withCookie(cookie: string, path = '/'): Request {
  return new Request(`${APP}${path}`, { headers: { cookie } })
}

/** The session cookie names in the jar. */
export function sessionCookie(h: Harness): string | undefined {
  return h.jar.get(APP, 'idweb.session')
}
