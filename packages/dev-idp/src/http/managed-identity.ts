import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SignJWT } from 'jose'
import { type IdpContext, issuerOf } from '../context.ts'
import { opaqueClaims } from '../provider/opaque-claims.ts'
import { sendJson } from './respond.ts'

/** App Service's managed identity protocol version, the one Azure SDKs speak. */
const API_VERSION = '2019-08-01'
/** Managed identity tokens live about a day, as on Azure. */
const LIFETIME_SECONDS = 24 * 3600

/**
 * `GET /msi/token`: the identity endpoint an Azure App Service host gives the code it runs
 * (`IDENTITY_ENDPOINT`, with `IDENTITY_HEADER` sent back as `X-IDENTITY-HEADER`), so that
 * `ManagedIdentityCredential` and managed-identity federation work offline. The identity is the
 * directory's system-assigned one, or the user-assigned one `client_id`, `principal_id` or
 * `mi_res_id` names; the token is signed with the tenants' key and carries `oid`/`sub` = the
 * identity's principal id, `azp` = its client id, `idtyp: "app"`.
 */
export async function handleManagedIdentity(
  ctx: IdpContext,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const fail = (status: number, message: string) =>
    sendJson(res, status, { statusCode: status, message })
  if (req.method !== 'GET') return fail(405, 'Use GET.')
  const header = req.headers['x-identity-header']
  const given = Buffer.from(typeof header === 'string' ? header : '')
  const expected = Buffer.from(ctx.identityHeader)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.')
  }
  const params = url.searchParams
  if (params.get('api-version') !== API_VERSION) {
    return fail(400, `api-version must be ${API_VERSION}.`)
  }
  const resourceName = params.get('resource')
  if (!resourceName) return fail(400, 'The resource parameter is required.')
  const resource = ctx.index.resource(resourceName)
  if (!resource) return fail(400, `No resource is known by '${resourceName.slice(0, 200)}'.`)
  const selector = {
    clientId: params.get('client_id') ?? undefined,
    principalId: params.get('principal_id') ?? params.get('object_id') ?? undefined,
    resourceId: params.get('mi_res_id') ?? params.get('msi_res_id') ?? undefined,
  }
  if (Object.values(selector).filter(Boolean).length > 1) {
    return fail(400, 'Name the identity by one of client_id, principal_id or mi_res_id.')
  }
  const identity = ctx.index.managedIdentity(selector)
  if (!identity) {
    const named = Object.values(selector).find(Boolean)
    return fail(
      400,
      named
        ? `No managed identity found for '${named.slice(0, 100)}'.`
        : 'This host has no system-assigned managed identity: name a user-assigned one by client_id.',
    )
  }
  const now = Math.floor(Date.now() / 1000)
  const exp = now + LIFETIME_SECONDS
  const token = await new SignJWT({
    aud: resource.appId,
    oid: identity.principalId,
    tid: identity.tenantId,
    azp: identity.clientId,
    azpacr: '2',
    idtyp: 'app',
    ver: '2.0',
    ...(identity.resourceId ? { xms_mirid: identity.resourceId } : {}),
    ...opaqueClaims(),
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: ctx.keys.privateJwk.kid })
    .setIssuer(issuerOf(ctx, identity.tenantId))
    .setSubject(identity.principalId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(exp)
    .sign(ctx.keys.privateKey)
  ctx.options.logger({
    level: 'debug',
    message: 'managed identity token',
    fields: { identity: identity.displayName, resource: resource.identifier },
  })
  sendJson(res, 200, {
    access_token: token,
    expires_on: String(exp),
    resource: resourceName,
    token_type: 'Bearer',
    client_id: identity.clientId,
  })
}
