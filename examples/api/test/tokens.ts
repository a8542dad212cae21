// Real access tokens from the dev IdP, the way clients get them: a user's through the
// authorization code flow with PKCE (the demo CLI, a public client), an app's through client
// credentials (the demo daemon).
import { createHash, randomBytes } from 'node:crypto'
import type { DevIdp } from '@idweb/dev-idp'
import { demo } from '@idweb/dev-idp'
import { signInInteractively } from '@idweb/dev-idp/testing'

export async function userToken(
  idp: DevIdp,
  user: { username: string; password: string },
  scope: string,
  tenant: string = demo.tenants.contoso.id,
): Promise<string> {
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const authorize = new URL(`${idp.authority(tenant)}/oauth2/v2.0/authorize`)
  authorize.search = new URLSearchParams({
    client_id: demo.apps.cli.clientId,
    response_type: 'code',
    redirect_uri: demo.apps.cli.redirectUri,
    scope: `openid ${scope}`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
  }).toString()
  const result = await signInInteractively(authorize, user)
  const code = result.redirectUrl?.searchParams.get('code')
  if (!code) throw new Error(`no code: ${result.kind} ${result.page?.slice(0, 300)}`)
  return redeem(idp, tenant, {
    grant_type: 'authorization_code',
    client_id: demo.apps.cli.clientId,
    code,
    redirect_uri: demo.apps.cli.redirectUri,
    code_verifier: verifier,
    scope,
  })
}

export function appToken(idp: DevIdp, scope: string): Promise<string> {
  return redeem(idp, demo.tenants.contoso.id, {
    grant_type: 'client_credentials',
    client_id: demo.apps.daemon.clientId,
    client_secret: demo.apps.daemon.clientSecret,
    scope,
  })
}

async function redeem(
  idp: DevIdp,
  tenant: string,
  params: Record<string, string>,
): Promise<string> {
  const res = await fetch(`${idp.authority(tenant)}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams(params),
  })
  const body = (await res.json()) as { access_token?: string; error_description?: string }
  if (!body.access_token) throw new Error(`token request failed: ${body.error_description}`)
  return body.access_token
}
