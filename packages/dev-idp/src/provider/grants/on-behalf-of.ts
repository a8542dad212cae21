import { createLocalJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { type IdpContext, issuerOf } from '../../context.ts'
import { EntraError } from '../../protocol-error.ts'
import { answeredScope, canonicalScope, canonicalScopeString, parseScopes } from '../../scopes.ts'
import { accountFinder } from '../account.ts'
import { consentRequired, issueAccessToken, issueRefreshToken, requireParam } from './issue.ts'

function assertionError(aadsts: number, message: string): EntraError {
  return new EntraError({ error: 'invalid_grant', aadsts, message })
}

async function verifyAssertion(
  ctx: IdpContext,
  tenantId: string,
  assertion: string,
  clientId: string,
) {
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(assertion, createLocalJWKSet(ctx.keys.jwks), {
      algorithms: ['RS256'],
      issuer: issuerOf(ctx, tenantId),
      clockTolerance: 5,
    }))
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) {
      throw assertionError(
        500133,
        'Assertion is not within its valid time range. The assertion has expired.',
      )
    }
    if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iss') {
      throw assertionError(
        50013,
        "Assertion failed signature validation: the assertion's issuer is not this tenant.",
      )
    }
    throw assertionError(
      50013,
      'Assertion failed signature validation. The assertion is malformed, tampered with, or not signed by this provider.',
    )
  }
  if (payload.aud !== clientId) {
    throw assertionError(
      50013,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${String(payload.aud)}' and the expected audience is '${clientId}'.`,
    )
  }
  if (
    payload.idtyp === 'app' ||
    typeof payload.oid !== 'string' ||
    typeof payload.scp !== 'string'
  ) {
    throw assertionError(
      50013,
      'The assertion is an application token; on-behalf-of needs a user token.',
    )
  }
  return payload as JWTPayload & { oid: string }
}

/**
 * On-behalf-of (`urn:ietf:params:oauth:grant-type:jwt-bearer`, `requested_token_use=on_behalf_of`):
 * exchanges a user access token whose `aud` is the calling app for a token for another resource,
 * subject to the user's (or an administrator's) consent.
 */
export function onBehalfOfGrant(ctx: IdpContext, provider: Provider, tenantId: string) {
  const findAccount = accountFinder(ctx, tenantId)
  return async function onBehalfOfHandler(koa: KoaContextWithOIDC): Promise<void> {
    const use = requireParam(koa, 'requested_token_use')
    if (use !== 'on_behalf_of') {
      throw new EntraError({
        error: 'invalid_request',
        aadsts: 90014,
        message: "The 'requested_token_use' parameter must be 'on_behalf_of'.",
      })
    }
    const assertion = requireParam(koa, 'assertion')
    const scope = requireParam(koa, 'scope')
    const clientId = String(koa.oidc.client?.clientId)
    const payload = await verifyAssertion(ctx, tenantId, assertion, clientId)
    const account = await findAccount(koa, payload.oid)
    if (!account)
      throw assertionError(50013, 'The user of the assertion does not exist in this tenant.')
    koa.oidc.entity('Account', account)

    const request = parseScopes(ctx.index, scope)
    const resource = request.resource
    if (!resource) throw assertionError(70011, 'A resource scope is required.')
    const subject = { tenantId, oid: payload.oid, clientId }
    const missing = ctx.consents.missing(subject, resource, request.names)
    if (missing.length > 0) throw consentRequired(ctx, clientId, resource, missing)

    const Grant = provider.Grant as unknown as new (p: {
      accountId: string
      clientId: string
    }) => {
      addOIDCScope(scope: string): void
      addResourceScope(resource: string, scope: string): void
      save(): Promise<string>
    }
    const grant = new Grant({ accountId: payload.oid, clientId })
    if (request.oidc.length) grant.addOIDCScope(request.oidc.join(' '))
    grant.addResourceScope(
      resource.identifier,
      request.names.map((n) => canonicalScope(resource, n)).join(' '),
    )
    const grantId = await grant.save()
    const at = await issueAccessToken(ctx, provider, koa, {
      accountId: payload.oid,
      grantId,
      gty: 'on_behalf_of',
      resource,
      names: request.names,
    })
    const refreshToken = request.oidc.includes('offline_access')
      ? await issueRefreshToken(provider, koa, {
          accountId: payload.oid,
          grantId,
          gty: 'on_behalf_of',
          scope: canonicalScopeString(request),
          askedScope: scope,
        })
      : undefined
    koa.body = {
      token_type: 'Bearer',
      scope: answeredScope(request, ctx.consents.granted(subject, resource, request.names)),
      expires_in: at.expiresIn,
      ext_expires_in: at.expiresIn,
      access_token: at.value,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    }
  }
}
