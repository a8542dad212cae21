// The real MSAL clients of the round-trip tests, each pointed at the dev IdP over https and
// sharing one MSAL-schema cache (a JSON text) with idweb, as two processes sharing a store would:
// msal-node in this process, MSAL Python as a child process per operation.
import { execFile } from 'node:child_process'
import {
  type AccountInfo,
  type AuthenticationResult,
  ConfidentialClientApplication,
  CryptoProvider,
  type INetworkModule,
} from '@azure/msal-node'
import type { DevIdp } from '@idweb/dev-idp'
import { type SignInOptions, signInInteractively } from '@idweb/dev-idp/testing'
import { httpsFetch } from '../support/https-fetch.ts'
import { PYTHON } from './msal-python.ts'

/** The app registration both sides act as, and where its sign-ins return. */
export interface ClientApp {
  clientId: string
  clientSecret: string
  redirectUri: string
  tenantId: string
}

/**
 * msal-node's network module over {@link httpsFetch}: msal-node 7 calls the global `fetch`, which
 * cannot be given the dev IdP's CA in process. `system.networkClient` is msal-node's own seam.
 */
export function networkClient(ca: string): INetworkModule {
  const f = httpsFetch(ca)
  const send = async (
    url: string,
    options?: { headers?: Record<string, string>; body?: string },
    method = 'GET',
  ) => {
    const res = await f(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
    })
    const headers: Record<string, string> = {}
    res.headers.forEach((v, k) => {
      headers[k] = v
    })
    return { headers, body: (await res.json()) as never, status: res.status }
  }
  return {
    sendGetRequestAsync: (url, options) => send(url, options),
    sendPostRequestAsync: (url, options) => send(url, options, 'POST'),
  }
}

/** msal-node as another process of the same app: each call starts from the shared cache text. */
export class NodeClient {
  readonly #app: ClientApp
  readonly #idp: DevIdp
  constructor(idp: DevIdp, app: ClientApp) {
    this.#idp = idp
    this.#app = app
  }

  #client(cache: string | undefined) {
    const host = new URL(this.#idp.url).host
    const client = new ConfidentialClientApplication({
      auth: {
        clientId: this.#app.clientId,
        clientSecret: this.#app.clientSecret,
        authority: `${this.#idp.url}/${this.#app.tenantId}`,
        knownAuthorities: [host],
      },
      system: { networkClient: networkClient(this.#idp.caCert ?? '') },
    })
    if (cache) client.getTokenCache().deserialize(cache)
    return client
  }

  /** Interactive sign-in (auth code + PKCE) as the user; returns the cache text it leaves. */
  async signIn(
    scopes: string[],
    user: Pick<SignInOptions, 'username' | 'password'>,
    cache?: string,
  ) {
    const client = this.#client(cache)
    const pkce = await new CryptoProvider().generatePkceCodes()
    const url = await client.getAuthCodeUrl({
      scopes,
      redirectUri: this.#app.redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
    })
    const answer = await signInInteractively(url, {
      ...user,
      fetch: httpsFetch(this.#idp.caCert ?? ''),
    })
    const params = answer.redirectUrl?.searchParams ?? new URLSearchParams(answer.formPost?.params)
    const code = params.get('code')
    if (!code) throw new Error(`msal-node sign-in got no code: ${params}`)
    const result = await client.acquireTokenByCode({
      code,
      scopes,
      redirectUri: this.#app.redirectUri,
      codeVerifier: pkce.verifier,
    })
    return { result, cache: client.getTokenCache().serialize() }
  }

  /** `acquireTokenSilent` for the account `homeAccountId`. */
  async silent(cache: string, homeAccountId: string, scopes: string[], forceRefresh = false) {
    const client = this.#client(cache)
    const account: AccountInfo | null = await client
      .getTokenCache()
      .getAccountByHomeId(homeAccountId)
    if (!account) throw new Error(`msal-node finds no account ${homeAccountId}`)
    const result: AuthenticationResult = await client.acquireTokenSilent({
      account,
      scopes,
      forceRefresh,
    })
    return { result, cache: client.getTokenCache().serialize() }
  }

  /** `acquireTokenByClientCredential` (it serves from the cache first). */
  async app(cache: string | undefined, scopes: string[]) {
    const client = this.#client(cache)
    const result = await client.acquireTokenByClientCredential({ scopes })
    if (!result) throw new Error('msal-node returned no app token')
    return { result, cache: client.getTokenCache().serialize() }
  }
}

/** What one MSAL Python run returned: the cache it leaves and the operation's result. */
export interface PythonRun {
  cache: string
  result: Record<string, unknown> & { access_token?: string; error?: string }
}

const CLIENT = new URL('./python/client.py', import.meta.url).pathname

/** MSAL Python as another process of the same app. */
export class PythonClient {
  readonly #app: ClientApp
  readonly #idp: DevIdp
  readonly #caFile: string
  constructor(idp: DevIdp, app: ClientApp, caFile: string) {
    this.#idp = idp
    this.#app = app
    this.#caFile = caFile
  }

  run(op: string, input: Record<string, unknown>): Promise<PythonRun> {
    const request = {
      op,
      authority: `${this.#idp.url}/${this.#app.tenantId}`,
      client_id: this.#app.clientId,
      client_secret: this.#app.clientSecret,
      ca: this.#caFile,
      ...input,
    }
    return new Promise((resolve, reject) => {
      const child = execFile(
        PYTHON,
        [CLIENT],
        // requests lets REQUESTS_CA_BUNDLE override a session's `verify`: point both at the CA.
        {
          timeout: 30_000,
          env: { ...process.env, REQUESTS_CA_BUNDLE: this.#caFile, CURL_CA_BUNDLE: this.#caFile },
        },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`MSAL Python ${op} failed: ${stderr || err.message}`))
          else resolve(JSON.parse(stdout))
        },
      )
      child.stdin?.end(JSON.stringify(request))
    })
  }

  async signIn(
    scopes: string[],
    user: Pick<SignInOptions, 'username' | 'password'>,
    cache?: string,
  ) {
    const { result: started } = await this.run('start', {
      scopes,
      redirect_uri: this.#app.redirectUri,
      cache,
    })
    const flow = started.flow as { auth_uri: string }
    const answer = await signInInteractively(flow.auth_uri, {
      ...user,
      fetch: httpsFetch(this.#idp.caCert ?? ''),
    })
    const params = answer.redirectUrl?.searchParams ?? new URLSearchParams(answer.formPost?.params)
    return this.run('finish', { flow, auth_response: Object.fromEntries(params), cache })
  }

  silent(cache: string, homeAccountId: string, scopes: string[], forceRefresh = false) {
    return this.run('silent', {
      cache,
      home_account_id: homeAccountId,
      scopes,
      force_refresh: forceRefresh,
    })
  }

  app(cache: string | undefined, scopes: string[]) {
    return this.run('app', { cache, scopes })
  }
}
