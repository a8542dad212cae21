import { CookieJar } from './cookie-jar.ts'
import { type ParsedForm, parseForms, unescapeHtml } from './html-form.ts'

/** `fetch` that sends and stores cookies through a jar and never follows redirects. */
export type JarFetch = (input: string | URL, init?: RequestInit) => Promise<Response>

/**
 * A `fetch` wrapper that plays a browser's cookie handling, with `redirect: 'manual'` so tests
 * see every hop.
 *
 * @example
 * ```ts
 * const jar = new CookieJar()
 * const get = jarFetch(jar)
 * const res = await get(authorizeUrl) // 303 to the login page, cookies kept in `jar`
 * ```
 */
export function jarFetch(jar: CookieJar, base: typeof fetch = fetch): JarFetch {
  return async (input, init = {}) => {
    const url = new URL(input)
    const headers = new Headers(init.headers)
    const cookie = jar.header(url)
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie)
    const res = await base(url, { ...init, headers, redirect: 'manual' })
    jar.store(url, res.headers)
    return res
  }
}

/** How the provider answered the client at the end of an interactive sign-in. */
export interface SignInResult {
  /** `redirect`: query/fragment response; `form_post`; `consent`: consent shown but refused by the caller; `page`: an error or other page. */
  kind: 'redirect' | 'form_post' | 'consent' | 'page'
  /** The client redirect (code, state, or error), for `redirect`. */
  redirectUrl?: URL
  /** The auto-submitted form, for `response_mode=form_post`. */
  formPost?: {
    /** The form's `action`: the client's redirect URI. */
    action: string
    /** The hidden fields posted (`code`, `state`, or `error`). */
    params: URLSearchParams
  }
  /** The HTML shown, for `consent` and `page` (e.g. an AADSTS error page). */
  page?: string
  /** HTTP status of the last response. */
  status: number
  /** Whether a consent page was shown on the way. */
  consentShown: boolean
  /** The scopes the consent page listed (full strings, e.g. `api://…/access_as_user`). */
  consentScopes: string[]
  /**
   * For a sign-out: the front-channel logout URLs the signed-out page framed (a browser loads
   * them, with its cookies for each app; this helper does not).
   */
  frontChannel?: string[]
}

/** Options of {@link signInInteractively}. */
export interface SignInOptions {
  /** The sign-in name, e.g. `demo.users.alice.username`. */
  username: string
  /** The user's password in the directory. */
  password: string
  /** Accept the consent page when shown (default `true`); `false` stops there and returns it. */
  consent?: boolean
  /** Cookies (the provider session); reuse a jar to sign in silently the second time. */
  jar?: CookieJar
  /** Maximum number of hops before giving up. Default 25. */
  maxSteps?: number
  /** The `fetch` to browse with, e.g. one that trusts the provider's local CA. Default `fetch`. */
  fetch?: typeof fetch
}

function consentScopesOf(page: string): string[] {
  return [...page.matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1] ?? '')
}

function formNamed(forms: ParsedForm[], test: (f: ParsedForm) => boolean): ParsedForm | undefined {
  return forms.find(test)
}

/**
 * Plays the browser through the provider's pages: follows redirects, fills in home-realm
 * discovery, the login form and (unless `consent: false`) the consent form, and the device-code
 * confirmation, until the provider answers the client.
 *
 * @example
 * ```ts
 * const { redirectUrl } = await signInInteractively(authorizeUrl, {
 *   username: demo.users.alice.username,
 *   password: demo.users.alice.password,
 * })
 * const code = redirectUrl?.searchParams.get('code')
 * ```
 */
export async function signInInteractively(
  authorizeUrl: string | URL,
  options: SignInOptions,
): Promise<SignInResult> {
  const jar = options.jar ?? new CookieJar()
  const http = jarFetch(jar, options.fetch)
  const idpOrigin = new URL(authorizeUrl).origin
  const state = { consentShown: false, consentScopes: [] as string[] }
  let url = new URL(authorizeUrl)
  let init: RequestInit = {}
  for (let step = 0; step < (options.maxSteps ?? 25); step++) {
    const res = await http(url, init)
    init = {}
    const location = res.headers.get('location')
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer()
      const next = new URL(location, url)
      if (next.origin !== idpOrigin)
        return { kind: 'redirect', redirectUrl: next, status: res.status, ...state }
      url = next
      continue
    }
    const page = await res.text()
    const forms = parseForms(page)
    const done = (kind: SignInResult['kind']): SignInResult => ({
      kind,
      page,
      status: res.status,
      ...state,
    })
    const post = (form: ParsedForm, extra: Record<string, string> = {}) => {
      const body = new URLSearchParams(form.fields)
      for (const [k, v] of Object.entries(extra)) body.set(k, v)
      url = new URL(form.action, url)
      if (form.method === 'GET') {
        for (const [k, v] of body) url.searchParams.set(k, v)
      } else {
        init = {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }
      }
    }
    const external = formNamed(
      forms,
      (f) => f.method === 'POST' && new URL(f.action, url).origin !== idpOrigin,
    )
    const login = formNamed(forms, (f) => f.fields.has('username') && f.fields.has('password'))
    const homeRealm = formNamed(forms, (f) => f.fields.has('login_hint') && f.method === 'GET')
    const consent = formNamed(forms, (f) => f.action.endsWith('/consent'))
    const deviceInput = formNamed(forms, (f) => f.id === 'op.deviceInputForm')
    const deviceConfirm = formNamed(forms, (f) => f.id === 'op.deviceConfirmForm')
    if (res.status >= 400) return done('page')
    if (external) {
      return {
        kind: 'form_post',
        formPost: { action: new URL(external.action, url).href, params: external.fields },
        status: res.status,
        ...state,
      }
    }
    if (login && !page.includes('role="alert"'))
      post(login, { username: options.username, password: options.password })
    else if (homeRealm && !page.includes('role="alert"'))
      post(homeRealm, { login_hint: options.username })
    else if (consent) {
      state.consentShown = true
      state.consentScopes = consentScopesOf(page)
      if (options.consent === false) return done('consent')
      post(consent, { decision: 'accept' })
    } else if (deviceConfirm) post(deviceConfirm)
    else if (deviceInput) return done('page')
    else return done('page')
  }
  throw new Error(
    `sign-in did not finish within ${options.maxSteps ?? 25} steps (last URL ${url.href})`,
  )
}

/**
 * Enters a device code on the provider's verification page, then signs in (and consents).
 *
 * @example
 * ```ts
 * const device = await (await fetch(devicecodeEndpoint, { method: 'POST', body })).json()
 * await completeDeviceCode(device.verification_uri, device.user_code, { username, password })
 * ```
 */
export async function completeDeviceCode(
  verificationUri: string,
  userCode: string,
  options: SignInOptions,
): Promise<SignInResult> {
  const jar = options.jar ?? new CookieJar()
  const http = jarFetch(jar)
  const res = await http(verificationUri)
  const form = parseForms(await res.text()).find((f) => f.id === 'op.deviceInputForm')
  if (!form) throw new Error('the verification page has no code form')
  const body = new URLSearchParams(form.fields)
  body.set('user_code', userCode)
  const submitted = await http(new URL(form.action, verificationUri), {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  const page = await submitted.text()
  const confirm = parseForms(page).find((f) => f.id === 'op.deviceConfirmForm')
  if (!confirm)
    return { kind: 'page', page, status: submitted.status, consentShown: false, consentScopes: [] }
  const confirmBody = new URLSearchParams(confirm.fields)
  const next = await http(new URL(confirm.action, verificationUri), {
    method: 'POST',
    body: confirmBody,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  const location = next.headers.get('location')
  await next.arrayBuffer()
  if (!location)
    return { kind: 'page', status: next.status, consentShown: false, consentScopes: [] }
  return signInInteractively(new URL(location, verificationUri), { ...options, jar })
}

/**
 * Follows an end-session (logout) URL, confirms the sign-out form, and returns where the
 * provider sent the browser (`post_logout_redirect_uri` with `state`, or its own signed-out page).
 */
export async function signOut(
  logoutUrl: string | URL,
  options: { jar: CookieJar; fetch?: typeof fetch },
): Promise<SignInResult> {
  const http = jarFetch(options.jar, options.fetch)
  let url = new URL(logoutUrl)
  const idpOrigin = url.origin
  let init: RequestInit = {}
  for (let step = 0; step < 10; step++) {
    const res = await http(url, init)
    init = {}
    const location = res.headers.get('location')
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer()
      url = new URL(location, url)
      if (url.origin !== idpOrigin)
        return {
          kind: 'redirect',
          redirectUrl: url,
          status: res.status,
          consentShown: false,
          consentScopes: [],
        }
      continue
    }
    const page = await res.text()
    const framed = frontChannelOf(page)
    if (framed) {
      const next = new URL(framed.next, url)
      return {
        kind: next.origin === idpOrigin ? 'page' : 'redirect',
        ...(next.origin === idpOrigin ? { page } : { redirectUrl: next }),
        status: res.status,
        consentShown: false,
        consentScopes: [],
        frontChannel: framed.frames,
      }
    }
    const form = parseForms(page).find(
      (f) => f.id === 'op.logoutForm' || f.action.endsWith('/logout/confirm'),
    )
    if (!form || res.status >= 400)
      return { kind: 'page', page, status: res.status, consentShown: false, consentScopes: [] }
    const body = new URLSearchParams(form.fields)
    body.set('logout', 'yes')
    url = new URL(form.action, url)
    init = {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }
  }
  throw new Error('sign-out did not finish')
}

/** The frames and the onward link of the dev IdP's front-channel signed-out page, if it is one. */
function frontChannelOf(page: string): { frames: string[]; next: string } | undefined {
  const next = /<a id="next" href="([^"]*)"/.exec(page)?.[1]
  if (next === undefined) return undefined
  const frames = [...page.matchAll(/<iframe class="fc" src="([^"]*)"/g)].map((m) =>
    unescapeHtml(m[1] ?? ''),
  )
  return { frames, next: unescapeHtml(next) }
}
