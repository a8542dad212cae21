import * as oauth from 'oauth4webapi'
import { type DevIdp, demo, type StartDevIdpOptions, startDevIdp } from '../src/index.ts'
import { CookieJar, type SignInResult, signInInteractively } from '../src/testing/index.ts'

export { demo }

/** oauth4webapi options for the plain-http provider of the tests. */
export const insecure = { [oauth.allowInsecureRequests]: true } as const

/** Starts a provider on an ephemeral port. */
export function startIdp(options: StartDevIdpOptions = {}): Promise<DevIdp> {
  return startDevIdp({ port: 0, host: '127.0.0.1', ...options })
}

/** The authorization server metadata of a tenant, through oauth4webapi's discovery. */
export async function discover(
  idp: DevIdp,
  tenant: string = demo.tenants.contoso.id,
): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(idp.issuer(tenant))
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure })
  return oauth.processDiscoveryResponse(issuer, response)
}

/** The payload of a JWT, unverified (tests look at claims the provider just issued). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const [, payload = ''] = jwt.split('.')
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

export interface CodeFlowOptions {
  clientId?: string
  clientSecret?: string | undefined
  redirectUri?: string
  scope?: string
  username?: string
  password?: string
  jar?: CookieJar
  consent?: boolean
  extra?: Record<string, string>
  /** Authorization endpoint to use instead of the AS's (e.g. `/common`). */
  authorizationEndpoint?: string
  /** How long the client waits with its code before redeeming it, in ms (a slow sign-in). */
  redeemAfterMs?: number
}

/** One authorization request, its PKCE verifier, state and nonce. */
export async function authorizeUrl(as: oauth.AuthorizationServer, o: CodeFlowOptions = {}) {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const url = new URL(o.authorizationEndpoint ?? String(as.authorization_endpoint))
  url.search = new URLSearchParams({
    client_id: o.clientId ?? demo.apps.webApp.clientId,
    response_type: 'code',
    redirect_uri: o.redirectUri ?? demo.apps.webApp.redirectUri,
    scope: o.scope ?? 'openid profile offline_access',
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...o.extra,
  }).toString()
  return { url, verifier, state, nonce }
}

/** Signs in through the login (and consent) pages and redeems the code with oauth4webapi. */
export async function codeFlow(as: oauth.AuthorizationServer, o: CodeFlowOptions = {}) {
  const request = await authorizeUrl(as, o)
  const jar = o.jar ?? new CookieJar()
  const signIn: SignInResult = await signInInteractively(request.url, {
    username: o.username ?? demo.users.alice.username,
    password: o.password ?? demo.users.alice.password,
    jar,
    ...(o.consent === undefined ? {} : { consent: o.consent }),
  })
  if (!signIn.redirectUrl) throw new Error(`sign-in ended on a page: ${signIn.page?.slice(0, 500)}`)
  const client: oauth.Client = { client_id: o.clientId ?? demo.apps.webApp.clientId }
  const auth =
    o.clientSecret === undefined && o.clientId !== undefined
      ? oauth.None()
      : oauth.ClientSecretPost(o.clientSecret ?? demo.apps.webApp.clientSecret)
  const params = oauth.validateAuthResponse(as, client, signIn.redirectUrl, request.state)
  if (o.redeemAfterMs) await new Promise((r) => setTimeout(r, o.redeemAfterMs))
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    o.redirectUri ?? demo.apps.webApp.redirectUri,
    request.verifier,
    insecure,
  )
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: request.nonce,
    requireIdToken: true,
  })
  return { tokens, signIn, jar, client, auth, request, params }
}

/** The shipped demo directory with extra app registrations. */
export async function demoDirectoryWith(...apps: import('../src/index.ts').AppRegistration[]) {
  const { readDirectoryFile, defaultDirectoryPath } = await import('../src/index.ts')
  const directory = await readDirectoryFile(defaultDirectoryPath)
  return { ...directory, apps: [...directory.apps, ...apps] }
}
