import type { IncomingMessage, ServerResponse } from 'node:http'
import { decodeJwt } from 'jose'
import type { IdpContext } from '../context.ts'
import { homeRealmPage } from '../pages/login.ts'
import { discoveryDocument } from './discovery.ts'
import { forwardTokenRequest } from './federated.ts'
import { inferLogoutClient } from './logout.ts'
import { redirect, sendEntraError, sendHtml, sendJson } from './respond.ts'
import { clientHomeTenant, prepareTokenBody, tenantOfTokenRequest } from './token-request.ts'

/** Hands a request to a tenant's provider (the router's dispatch). */
export type Dispatch = (
  tenantId: string,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>

/** `/common/…` and `/organizations/…`: multi-tenant endpoints that resolve the home tenant. */
export async function handleCommon(
  ctx: IdpContext,
  segment: string,
  rest: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  dispatch: Dispatch,
): Promise<void> {
  switch (rest) {
    case 'v2.0/.well-known/openid-configuration':
      return sendJson(res, 200, discoveryDocument(ctx, segment, false))
    case 'discovery/v2.0/keys':
      return sendJson(res, 200, ctx.keys.jwks)
    case 'oauth2/v2.0/authorize':
      return homeRealm(ctx, segment, url, res)
    case 'oauth2/v2.0/logout':
      return commonLogout(ctx, url, req, res)
    case 'oauth2/v2.0/token':
    case 'oauth2/v2.0/devicecode':
      if (req.method !== 'POST') break
      return forwardPost(ctx, rest, req, res, dispatch)
  }
  sendEntraError(
    res,
    {
      error: 'invalid_request',
      aadsts: 90014,
      status: 404,
      message: `The endpoint /${segment}/${rest} does not exist.`,
    },
    'json',
  )
}

/** Sends the authorization request on to the signing-in user's home tenant. */
function homeRealm(ctx: IdpContext, segment: string, url: URL, res: ServerResponse) {
  const params = url.searchParams
  const clientId = params.get('client_id') ?? ''
  const app = ctx.index.app(clientId)
  if (!app) {
    return sendEntraError(
      res,
      {
        error: 'unauthorized_client',
        aadsts: 700016,
        message: `Application with identifier '${clientId}' was not found in the directory.`,
      },
      'html',
    )
  }
  const hint = params.get('login_hint')
  const domain = params.get('domain_hint')
  const tenantId =
    (hint ? ctx.index.userByName(hint)?.tenantId : undefined) ??
    (domain ? ctx.index.tenant(domain)?.id : undefined)
  if (tenantId) return redirect(res, `${ctx.origin}/${tenantId}/oauth2/v2.0/authorize?${params}`)
  const error = hint
    ? "We couldn't find an account with that username. Try another, or ask your administrator."
    : undefined
  sendHtml(
    res,
    200,
    homeRealmPage({
      action: `/${segment}/oauth2/v2.0/authorize`,
      params,
      appName: app.displayName,
      ...(error ? { error } : {}),
    }),
  )
}

/** Ends the session at the tenant named by `id_token_hint`, a tenant session cookie, or the client. */
function commonLogout(ctx: IdpContext, url: URL, req: IncomingMessage, res: ServerResponse) {
  const params = inferLogoutClient(ctx, url.searchParams)
  let tenantId: string | undefined
  const hint = params.get('id_token_hint')
  if (hint) {
    try {
      const tid = decodeJwt(hint).tid
      if (typeof tid === 'string' && ctx.providers.has(tid)) tenantId = tid
    } catch {
      tenantId = undefined
    }
  }
  const cookies = String(req.headers.cookie ?? '')
  tenantId ??= ctx.index.tenants.find((t) => cookies.includes(`idp_s_${t.id.slice(0, 8)}=`))?.id
  tenantId ??= clientHomeTenant(ctx, params, undefined)
  if (tenantId) return redirect(res, `${ctx.origin}/${tenantId}/oauth2/v2.0/logout?${params}`)
  sendEntraError(
    res,
    {
      error: 'invalid_request',
      aadsts: 90014,
      message: 'No session to sign out of: pass id_token_hint or client_id.',
    },
    'html',
  )
}

async function forwardPost(
  ctx: IdpContext,
  rest: string,
  req: IncomingMessage,
  res: ServerResponse,
  dispatch: Dispatch,
): Promise<void> {
  const prepared = await prepareTokenBody(req)
  if (prepared.kind === 'too-large') {
    return sendEntraError(
      res,
      {
        error: 'invalid_request',
        aadsts: 90014,
        status: 413,
        message: 'The request body is too large.',
      },
      'json',
    )
  }
  if (prepared.kind !== 'form') {
    return sendEntraError(
      res,
      {
        error: 'invalid_request',
        aadsts: 900144,
        message:
          "The request body must contain the following parameter: 'grant_type'. The body must be application/x-www-form-urlencoded.",
      },
      'json',
    )
  }
  const authorization = req.headers.authorization
  const tenantId =
    rest === 'oauth2/v2.0/token'
      ? tenantOfTokenRequest(ctx, prepared.params, authorization)
      : clientHomeTenant(ctx, prepared.params, authorization)
  if (!tenantId) {
    const missing = !prepared.params.get('grant_type') && rest === 'oauth2/v2.0/token'
    return sendEntraError(
      res,
      missing
        ? {
            error: 'invalid_request',
            aadsts: 900144,
            message: "The request body must contain the following parameter: 'grant_type'.",
          }
        : {
            error: 'invalid_grant',
            aadsts: 9002313,
            message:
              'Invalid request. Request is malformed or invalid: the grant or client is unknown.',
          },
      'json',
      req.headers['client-request-id'],
    )
  }
  const forwarded = await forwardTokenRequest(ctx, prepared, req, `/${tenantId}/${rest}`, res)
  if (forwarded) await dispatch(tenantId, forwarded, res)
}
