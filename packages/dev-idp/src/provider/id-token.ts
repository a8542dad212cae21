import { CompactSign, decodeJwt } from 'jose'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import { derivedGuid } from '../directory/index.ts'
import { opaqueClaims } from './opaque-claims.ts'
import { currentRequestContext } from './request-context.ts'

interface IssuingIdToken {
  ctx?: KoaContextWithOIDC
  issue(options?: { use?: string }): Promise<string>
}

/**
 * `sid`: a GUID naming the provider session the user signed in with, the same for every ID token
 * of that session, including those of refresh tokens that came from it.
 */
function sessionId(tenantId: string, koa: KoaContextWithOIDC | undefined): string | undefined {
  const entities = koa?.oidc?.entities
  const source = entities?.AuthorizationCode ?? entities?.DeviceCode ?? entities?.RefreshToken
  const uid = source?.sessionUid ?? koa?.oidc?.session?.uid
  return uid ? derivedGuid('session', tenantId, uid) : undefined
}

/**
 * A back-channel logout token naming the session as the ID tokens did: oidc-provider sets its own
 * per-client `sid`, while the ID tokens carry Entra's session GUID. Typed `logout+jwt`, as
 * Back-Channel Logout 1.0 recommends. Issued while the sign-out request is handled, whose
 * session it names.
 */
async function entraLogoutToken(ctx: IdpContext, tenantId: string, jwt: string): Promise<string> {
  const payload = decodeJwt(jwt)
  const sid = sessionId(tenantId, currentRequestContext())
  if (payload.sid !== undefined && sid !== undefined) payload.sid = sid
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ typ: 'logout+jwt', alg: 'RS256', kid: ctx.keys.privateJwk.kid })
    .sign(ctx.keys.privateKey)
}

/** The Entra session GUID of the session a request is ending or signing in with. */
export function entraSessionId(tenantId: string, koa: KoaContextWithOIDC): string | undefined {
  return sessionId(tenantId, koa)
}

/**
 * Shapes the ID tokens oidc-provider issues like Entra's v2 ID tokens: header
 * `{ typ: "JWT", alg, kid }`, and `nbf` (= `iat`), `sid`, `uti`, `aio`, `rh` in the payload.
 * oidc-provider signs ID tokens without a `typ` and offers no header hook, so the token it
 * issued is signed again, with the same key, after these additions.
 */
export function entraIdTokens(ctx: IdpContext, provider: Provider, tenantId: string): void {
  const proto = provider.IdToken.prototype as unknown as IssuingIdToken
  const issue = proto.issue
  proto.issue = async function issueEntraIdToken(options) {
    const jwt = await issue.call(this, options)
    if (options?.use === 'logout') return entraLogoutToken(ctx, tenantId, jwt)
    if (options?.use !== 'idtoken') return jwt
    const payload = decodeJwt(jwt)
    const sid = sessionId(tenantId, this.ctx)
    Object.assign(payload, { nbf: payload.iat, ...opaqueClaims(), ...(sid ? { sid } : {}) })
    return new CompactSign(Buffer.from(JSON.stringify(payload)))
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: ctx.keys.privateJwk.kid })
      .sign(ctx.keys.privateKey)
  }
}
