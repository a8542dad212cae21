// Express 5 with idweb's peers, on the same route:
// - express-openid-connect: `auth()` with the code flow, the token from `req.oidc.accessToken`;
// - msal-node as Microsoft's web-app sample (ms-identity-node's AuthProvider) builds it:
//   express-session in memory, the serialized token cache in the session, and per request a new
//   ConfidentialClientApplication that deserializes it, calls acquireTokenSilent and serializes it
//   back. One concession to msal-node: the authority and cloud metadata are given inline, as its
//   performance guide advises, so that a new instance does not fetch discovery on every request.
import { ConfidentialClientApplication, CryptoProvider } from '@azure/msal-node'
import express, { type Express } from 'express'
import eoidc from 'express-openid-connect'
import session from 'express-session'
import type { BuiltApp } from './apps.ts'
import { SECRET } from './idweb-instance.ts'
import { type AppRegistration, SCOPE } from './kinds.ts'

const { auth, requiresAuth } = eoidc

export async function buildPeerApp(
  kind: 'express-openid-connect' | 'msal-node',
  reg: AppRegistration,
  idpUrl: string,
  origin: string,
): Promise<BuiltApp> {
  const app = express()
  app.disable('x-powered-by')
  if (kind === 'express-openid-connect') eoidcApp(app, reg, idpUrl, origin)
  else await msalApp(app, reg, idpUrl, origin)
  return { listener: app }
}

function eoidcApp(app: Express, reg: AppRegistration, idpUrl: string, origin: string): void {
  app.use(
    auth({
      issuerBaseURL: `${idpUrl}/${reg.tenantId}/v2.0`,
      baseURL: origin,
      clientID: reg.clientId,
      clientSecret: reg.clientSecret,
      secret: SECRET,
      authRequired: false,
      idpLogout: false,
      enableTelemetry: false,
      authorizationParams: {
        response_type: 'code',
        response_mode: 'query',
        scope: `openid profile offline_access ${SCOPE}`,
      },
      routes: { login: '/signin', callback: '/signin-oidc' },
    }),
  )
  app.get('/hello', requiresAuth(), (req, res) => {
    res.json({ name: req.oidc.user?.name, token: req.oidc.accessToken?.access_token })
  })
}

interface MsalSession {
  pkceVerifier?: string
  tokenCache?: string
  account?: import('@azure/msal-node').AccountInfo
}

async function msalApp(
  app: Express,
  reg: AppRegistration,
  idpUrl: string,
  origin: string,
): Promise<void> {
  const authority = `${idpUrl}/${reg.tenantId}`
  const metadata = await fetch(`${authority}/v2.0/.well-known/openid-configuration`)
  const host = new URL(idpUrl).host
  const config = {
    auth: {
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      authority,
      knownAuthorities: [host],
      authorityMetadata: await metadata.text(),
      cloudDiscoveryMetadata: JSON.stringify({
        tenant_discovery_endpoint: `${authority}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      }),
    },
  }
  const redirectUri = `${origin}/signin-oidc`
  const crypto = new CryptoProvider()
  app.use(
    session({
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, secure: false },
    }),
  )
  const state = (req: express.Request) => req.session as unknown as MsalSession
  app.get('/auth/signin', async (req, res) => {
    const pkce = await crypto.generatePkceCodes()
    state(req).pkceVerifier = pkce.verifier
    const url = await new ConfidentialClientApplication(config).getAuthCodeUrl({
      scopes: [SCOPE],
      redirectUri,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      responseMode: 'form_post' as never,
    })
    res.redirect(url)
  })
  app.post('/signin-oidc', express.urlencoded({ extended: false }), async (req, res) => {
    const msal = new ConfidentialClientApplication(config)
    const result = await msal.acquireTokenByCode({
      code: String(req.body.code),
      scopes: [SCOPE],
      redirectUri,
      codeVerifier: state(req).pkceVerifier ?? '',
    })
    state(req).tokenCache = msal.getTokenCache().serialize()
    state(req).account = result.account ?? undefined
    res.redirect('/')
  })
  app.get('/hello', async (req, res) => {
    const s = state(req)
    if (!s.account) {
      res.redirect('/auth/signin')
      return
    }
    const msal = new ConfidentialClientApplication(config)
    if (s.tokenCache) await msal.getTokenCache().deserialize(s.tokenCache)
    const result = await msal.acquireTokenSilent({ account: s.account, scopes: [SCOPE] })
    s.tokenCache = msal.getTokenCache().serialize()
    res.json({ name: s.account.name, token: result.accessToken })
  })
}
