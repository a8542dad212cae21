import type { EventEmitter } from 'node:events'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import { errorPage } from '../pages/error.ts'
import {
  type ErrorHint,
  entraDescription,
  entraErrorBody,
  errorIds,
  toEntraFields,
} from '../protocol-error.ts'
import { answeredScope, parseScopes, type ScopeRequest } from '../scopes.ts'
import { askedScopeOf } from './asked-scope.ts'
import { withRequestContext } from './request-context.ts'

const ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'jwks.error',
  'discovery.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'device_authorization.error',
  'code_verification.error',
  'device_resume.error',
  'server_error',
] as const

/** Routes a browser shows: their errors are pages, not JSON. */
const BROWSER_ROUTES = new Set([
  'authorization',
  'resume',
  'code_verification',
  'device_resume',
  'end_session',
  'end_session_confirm',
  'end_session_success',
])

/** The error the provider answered a request with, kept for {@link entraShape}. */
const errorOf = new WeakMap<object, unknown>()

/** Wires the Entra-specific behaviour around one tenant's provider. */
export function installMiddleware(ctx: IdpContext, provider: Provider, tenantId: string): void {
  const flaggedCodes = new Set<string>()
  const events = provider as unknown as EventEmitter
  for (const event of ERROR_EVENTS) {
    events.on(event, (koa: KoaContextWithOIDC, err: unknown) => {
      errorOf.set(koa, err)
      if (event === 'server_error') {
        ctx.options.logger({
          level: 'error',
          message: `provider error: ${String((err as Error)?.stack ?? err)}`,
        })
      }
    })
  }
  provider.on('grant.success', (koa: KoaContextWithOIDC) => {
    ctx.grants.record({
      grantType: String(koa.oidc.params?.grant_type),
      clientId: String(koa.oidc.client?.clientId),
      tenantId,
      at: Date.now(),
    })
  })
  provider.use(async (koa, next) => {
    try {
      await withRequestContext(koa as KoaContextWithOIDC, next)
    } catch (err) {
      // Raised after the provider's own error handling (e.g. saving a session that was never
      // stored, when a device code page is posted without its cookie): answer, never a 500.
      ctx.options.logger({
        level: 'warn',
        message: `request failed: ${String((err as Error)?.message ?? err)}`,
      })
      const fields = toEntraFields(err, hint(ctx, tenantId, koa as KoaContextWithOIDC))
      const ids = errorIds(koa.get('client-request-id'))
      koa.status = fields.status ?? 400
      if (BROWSER_ROUTES.has(String((koa as KoaContextWithOIDC).oidc?.route))) {
        koa.type = 'html'
        koa.body = errorPage({ ...fields, ...ids })
      } else {
        koa.body = entraErrorBody(fields, ids)
      }
      return
    }
    const oidc = (koa as KoaContextWithOIDC).oidc
    const route = oidc?.route
    if (route === 'authorization' || route === 'resume') {
      authorizationResponse(ctx, koa as KoaContextWithOIDC, tenantId, flaggedCodes)
    } else if (route === 'token' || route === 'device_authorization') {
      jsonResponse(ctx, koa as KoaContextWithOIDC, tenantId, flaggedCodes)
    } else if (isJsonError(koa.body)) {
      const fields = toEntraFields(errorOf.get(koa), hint(ctx, tenantId, koa as KoaContextWithOIDC))
      koa.status = fields.status ?? 400
      koa.body = entraErrorBody(fields, errorIds(koa.get('client-request-id')))
    } else if (!route && koa.status === 404) {
      koa.status = 404
      koa.body = entraErrorBody(
        {
          error: 'invalid_request',
          aadsts: 90014,
          message: `The endpoint ${koa.method} ${koa.path} does not exist.`,
        },
        errorIds(koa.get('client-request-id')),
      )
    }
    if (koa.status >= 500) {
      koa.status = 400
      koa.body = entraErrorBody(toEntraFields(undefined), errorIds())
    }
  })
}

function isJsonError(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && 'error' in body
}

/** What the request named (client, tenant, redirect URI) that an error message should repeat. */
export function hint(ctx: IdpContext, tenantId: string, koa: KoaContextWithOIDC): ErrorHint {
  const params = koa.oidc?.params
  const id = koa.oidc?.client?.clientId ?? params?.client_id
  const tenantName = ctx.index.tenant(tenantId)?.displayName
  const appName = typeof id === 'string' ? ctx.index.app(id)?.displayName : undefined
  const redirectUri = params?.redirect_uri
  return {
    ...(typeof id === 'string' ? { clientId: id } : {}),
    clientAssertion: params?.client_assertion !== undefined,
    ...(tenantName ? { tenantName } : {}),
    ...(appName ? { appName } : {}),
    ...(typeof redirectUri === 'string' ? { redirectUri } : {}),
    directory: ctx.options.directory,
  }
}

function authorizationResponse(
  ctx: IdpContext,
  koa: KoaContextWithOIDC,
  tenantId: string,
  flagged: Set<string>,
) {
  const location = koa.response.get('location')
  const err = errorOf.get(koa)
  if (location) {
    const url = URL.parse(location)
    if (!url) return
    const params = url.hash ? new URLSearchParams(url.hash.slice(1)) : url.searchParams
    if (!ctx.options.issuerInAuthResponse) params.delete('iss')
    if (params.has('error')) {
      const fields = toEntraFields(err, hint(ctx, tenantId, koa))
      params.set(
        'error_description',
        entraDescription(fields, errorIds(koa.get('client-request-id'))),
      )
      params.set('error_codes', `[${fields.aadsts}]`)
    }
    const code = params.get('code')
    if (code && koa.oidc.params?.client_info === '1') flagged.add(code)
    if (url.hash) url.hash = params.toString()
    koa.set('location', url.href)
    return
  }
  if (typeof koa.body === 'string' && koa.body.includes('<form method="post"')) {
    let body = koa.body
    if (!ctx.options.issuerInAuthResponse)
      body = body.replace(/<input type="hidden" name="iss" value="[^"]*"\/>\n?/, '')
    if (body.includes('name="error"')) {
      const fields = toEntraFields(err, hint(ctx, tenantId, koa))
      const description = entraDescription(fields, errorIds()).replaceAll('"', '&quot;')
      body = body.replace(
        /(<input type="hidden" name="error_description" value=")[^"]*("\/>)/,
        `$1${description}$2`,
      )
    }
    const code = /name="code" value="([^"]*)"/.exec(body)?.[1]
    if (code && koa.oidc.params?.client_info === '1') flagged.add(code)
    koa.body = body
  }
}

function jsonResponse(
  ctx: IdpContext,
  koa: KoaContextWithOIDC,
  tenantId: string,
  flagged: Set<string>,
) {
  const body = koa.body as Record<string, unknown> | undefined
  if (!body || typeof body !== 'object') return
  if (koa.status >= 400 || 'error' in body) {
    const fields = toEntraFields(errorOf.get(koa), hint(ctx, tenantId, koa))
    koa.status = fields.status ?? 400
    koa.body = entraErrorBody(fields, errorIds(koa.get('client-request-id')))
    return
  }
  if (koa.oidc.route === 'device_authorization') {
    // Entra's fields: no verification_uri_complete, a polling interval of 5 seconds.
    delete body.verification_uri_complete
    body.interval = 5
    body.message = `To sign in, use a web browser to open the page ${body.verification_uri} and enter the code ${body.user_code} to authenticate.`
    return
  }
  if (typeof body.expires_in === 'number' && body.ext_expires_in === undefined) {
    body.ext_expires_in = body.expires_in
  }
  const accountId = koa.oidc.account?.accountId
  const grantType = koa.oidc.params?.grant_type
  if (
    accountId &&
    (grantType === 'authorization_code' || String(grantType).endsWith('device_code'))
  ) {
    body.scope = redeemedScope(ctx, koa, tenantId, accountId, body.scope)
  }
  const wantsClientInfo =
    koa.oidc.body?.client_info === '1' ||
    (typeof koa.oidc.params?.code === 'string' && flagged.delete(koa.oidc.params.code))
  if (accountId && wantsClientInfo) {
    body.client_info = Buffer.from(JSON.stringify({ uid: accountId, utid: tenantId })).toString(
      'base64url',
    )
  }
}

/**
 * The `scope` answered when a code or device code is redeemed: what oidc-provider granted, in the
 * forms the client asked for (see {@link askedScopeOf} and {@link answeredScope}).
 */
function redeemedScope(
  ctx: IdpContext,
  koa: KoaContextWithOIDC,
  tenantId: string,
  oid: string,
  scope: unknown,
) {
  if (typeof scope !== 'string') return scope
  let granted: ScopeRequest
  try {
    granted = parseScopes(ctx.index, scope)
  } catch {
    return scope
  }
  if (!granted.resource) return scope
  const subject = { tenantId, oid, clientId: String(koa.oidc.client?.clientId) }
  const consented = ctx.consents.granted(subject, granted.resource, granted.names)
  return answeredScope(granted, consented, askedRequest(ctx, koa))
}

function askedRequest(ctx: IdpContext, koa: KoaContextWithOIDC): ScopeRequest | undefined {
  const asked = askedScopeOf(koa)
  if (asked === undefined) return undefined
  try {
    return parseScopes(ctx.index, asked)
  } catch {
    return undefined
  }
}
