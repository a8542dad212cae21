import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../../context.ts'
import { EntraError } from '../../protocol-error.ts'
import { answeredScope, canonicalScopeString, parseScopes } from '../../scopes.ts'
import { accountFinder } from '../account.ts'
import {
  consentRequired,
  issueAccessToken,
  issueIdToken,
  issueRefreshToken,
  optionalParam,
  requireParam,
} from './issue.ts'

interface StoredRefreshToken {
  jti: string
  accountId: string
  clientId: string
  grantId: string
  scope?: string
  askedScope?: string
  iiat?: number
  rotations?: number
  sessionUid?: string
  sid?: string
  authTime?: number
  consumed?: unknown
  isExpired: boolean
}

function expired(message: string): EntraError {
  return new EntraError({
    error: 'invalid_grant',
    aadsts: 70008,
    message: `The provided authorization code or refresh token has expired due to inactivity, was already used or revoked. ${message} Send a new interactive authorization request for this user and resource.`,
  })
}

async function findRefreshToken(provider: Provider, koa: KoaContextWithOIDC) {
  const value = requireParam(koa, 'refresh_token')
  const find = provider.RefreshToken.find as unknown as (
    value: string,
    options: { ignoreExpiration: boolean },
  ) => Promise<StoredRefreshToken | undefined>
  const token = await find
    .call(provider.RefreshToken, value, { ignoreExpiration: true })
    .catch(() => undefined)
  if (!token) {
    throw new EntraError({
      error: 'invalid_grant',
      aadsts: 9002313,
      message: 'Invalid request. Request is malformed or invalid. The refresh token is not valid.',
    })
  }
  if (token.clientId !== koa.oidc.client?.clientId) {
    throw new EntraError({
      error: 'invalid_grant',
      aadsts: 70000,
      message:
        'The provided grant is invalid or malformed: the refresh token was issued to another client.',
    })
  }
  if (token.isExpired) throw expired('The refresh token is expired.')
  if (token.consumed)
    throw expired('The refresh token was already used (refresh tokens are single-use).')
  return token
}

/**
 * The refresh token grant, Entra's way: a refresh token may be redeemed for any resource the user
 * has consented to (not only the scopes it was first issued for); a scope without consent fails
 * with AADSTS65001 `consent_required`. With `rotateRefreshTokens` the old token is consumed.
 * Without a `scope` parameter the refresh asks what the token was issued with, spelled the same.
 */
export function refreshTokenGrant(ctx: IdpContext, provider: Provider, tenantId: string) {
  const findAccount = accountFinder(ctx, tenantId)
  return async function refreshTokenHandler(koa: KoaContextWithOIDC): Promise<void> {
    const token = await findRefreshToken(provider, koa)
    const grant = await provider.Grant.find(token.grantId)
    if (!grant) {
      throw new EntraError({
        error: 'invalid_grant',
        aadsts: 50173,
        message:
          'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password or signed out.',
      })
    }
    const account = await findAccount(koa, token.accountId)
    if (!account) throw expired('The user no longer exists.')
    koa.oidc.entity('Account', account)
    koa.oidc.entity('Grant', grant)

    const asked = optionalParam(koa, 'scope') ?? token.askedScope ?? token.scope ?? ''
    const request = parseScopes(ctx.index, asked)
    const clientId = token.clientId
    const subject = { tenantId, oid: token.accountId, clientId }
    const resource = request.resource
    if (!resource) throw expired('No resource.')
    const missing = request.names.length
      ? ctx.consents.missing(subject, resource, request.names)
      : []
    if (missing.length > 0) throw consentRequired(ctx, clientId, resource, missing)

    if (ctx.options.rotateRefreshTokens && !ctx.store.claim(tenantId, 'RefreshToken', token.jti)) {
      throw expired('The refresh token was already used (refresh tokens are single-use).')
    }
    const rtScope = new Set([...canonicalScopeString(request).split(' '), 'offline_access'])
    const refreshToken = await issueRefreshToken(provider, koa, {
      accountId: token.accountId,
      grantId: token.grantId,
      gty: 'refresh_token',
      scope: [...rtScope].filter(Boolean).join(' '),
      askedScope: asked,
      rotations: (token.rotations ?? 0) + 1,
      ...(token.iiat ? { iiat: token.iiat } : {}),
      ...(token.sessionUid ? { sessionUid: token.sessionUid } : {}),
      ...(token.sid ? { sid: token.sid } : {}),
      ...(token.authTime ? { authTime: token.authTime } : {}),
    })
    const names = ctx.consents.granted(subject, resource, request.names)
    const at = await issueAccessToken(ctx, provider, koa, {
      accountId: token.accountId,
      grantId: token.grantId,
      gty: 'refresh_token',
      resource,
      names: request.names,
    })
    const idToken = request.oidc.includes('openid')
      ? await issueIdToken(provider, koa, account, request.oidc, token.authTime)
      : undefined
    koa.body = {
      token_type: 'Bearer',
      scope: answeredScope(request, names),
      expires_in: at.expiresIn,
      ext_expires_in: at.expiresIn,
      access_token: at.value,
      refresh_token: refreshToken,
      ...(idToken ? { id_token: idToken } : {}),
    }
  }
}
