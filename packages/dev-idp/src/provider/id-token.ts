import { CompactSign, decodeJwt } from 'jose'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import { derivedGuid } from '../directory/index.ts'
import { opaqueClaims } from './opaque-claims.ts'

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
    if (options?.use !== 'idtoken') return jwt
    const payload = decodeJwt(jwt)
    const sid = sessionId(tenantId, this.ctx)
    Object.assign(payload, { nbf: payload.iat, ...opaqueClaims(), ...(sid ? { sid } : {}) })
    return new CompactSign(Buffer.from(JSON.stringify(payload)))
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: ctx.keys.privateJwk.kid })
      .sign(ctx.keys.privateKey)
  }
}
