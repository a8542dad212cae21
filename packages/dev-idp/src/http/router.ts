import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { IdpContext } from '../context.ts'
import { handleGraph } from '../graph/graph-api.ts'
import { html, page } from '../pages/html.ts'
import { type Dispatch, handleCommon } from './common.ts'
import { discoveryDocument } from './discovery.ts'
import { forwardTokenRequest } from './federated.ts'
import { handleInteraction } from './interactions.ts'
import { inferLogoutClient } from './logout.ts'
import { handleManagedIdentity } from './managed-identity.ts'
import { sendEntraError, sendHtml, sendJson } from './respond.ts'
import { prepareTokenBody } from './token-request.ts'

const BROWSER_PATHS = new Set(['oauth2/v2.0/authorize', 'oauth2/v2.0/logout', 'oauth2/deviceauth'])

function unknownTenant(
  res: ServerResponse,
  segment: string,
  rest: string,
  requestId: string | string[] | undefined,
) {
  sendEntraError(
    res,
    {
      error: 'invalid_tenant',
      aadsts: 90002,
      message: `Tenant '${segment.slice(0, 100)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    },
    BROWSER_PATHS.has(rest) ? 'html' : 'json',
    requestId,
  )
}

function homePage(ctx: IdpContext): string {
  return page(
    'Development identity provider',
    html`<h1>Development identity provider</h1>
<p>Tenants (discovery):</p>
<ul>${ctx.index.tenants.map(
      (t) =>
        html`<li><a href="/${t.id}/v2.0/.well-known/openid-configuration">${t.displayName}</a> <code>${t.id}</code> ${t.domains.join(', ')}</li>`,
    )}</ul>
<p>Users: ${ctx.index.users.map((u) => u.preferredUsername).join(', ')}</p>`,
  )
}

/** The server's request listener: routes by the first path segment (tenant id, domain, common…). */
export function createRouter(ctx: IdpContext): RequestListener {
  const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>()
  const dispatch: Dispatch = async (tenantId, req, res) => {
    const provider = ctx.providers.get(tenantId)
    if (!provider) return unknownTenant(res, tenantId, '', undefined)
    let callback = callbacks.get(provider)
    if (!callback) {
      callback = provider.callback()
      callbacks.set(provider, callback)
    }
    await callback(req, res)
  }
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = URL.parse(req.url ?? '/', ctx.origin)
    if (!url || !(req.url ?? '/').startsWith('/')) {
      return sendEntraError(
        res,
        { error: 'invalid_request', aadsts: 90014, message: 'Malformed request URL.' },
        'json',
      )
    }
    const [, first = '', ...restParts] = url.pathname.split('/')
    const rest = restParts.join('/')
    const requestId = req.headers['client-request-id']
    ctx.options.logger({
      level: 'debug',
      message: 'request',
      fields: { method: req.method, path: url.pathname },
    })
    if (first === '') return sendHtml(res, 200, homePage(ctx))
    if (first === 'favicon.ico') return sendJson(res, 404, {})
    if (first === 'graph') return handleGraph(ctx, restParts, url, req, res)
    if (first === 'msi' && (rest === 'token' || rest === 'token/')) {
      return handleManagedIdentity(ctx, url, req, res)
    }
    if (first === 'common' || first === 'organizations') {
      return handleCommon(ctx, first, rest, url, req, res, dispatch)
    }
    const tenant = ctx.index.tenant(safeDecode(first))
    if (!tenant) return unknownTenant(res, safeDecode(first), rest, requestId)
    if (rest === 'v2.0/.well-known/openid-configuration') {
      return sendJson(res, 200, discoveryDocument(ctx, tenant.id, true))
    }
    const provider = ctx.providers.get(tenant.id)
    if (!provider) return unknownTenant(res, first, rest, requestId)
    if (restParts[0] === 'interaction') {
      return handleInteraction(ctx, provider, tenant.id, restParts, req, res)
    }
    let search = url.search
    if (rest === 'oauth2/v2.0/logout') {
      const params = inferLogoutClient(ctx, url.searchParams)
      search = params.size > 0 ? `?${params}` : ''
    }
    const target = `/${tenant.id}/${rest}${search}`
    if (req.method === 'POST' && rest === 'oauth2/v2.0/token') {
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
          requestId,
        )
      }
      if (prepared.kind === 'form') {
        const forwarded = await forwardTokenRequest(ctx, prepared, req, target, res)
        if (forwarded) await dispatch(tenant.id, forwarded, res)
        return
      }
    }
    req.url = target
    return dispatch(tenant.id, req, res)
  }
  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      ctx.options.logger({
        level: 'error',
        message: `unhandled: ${String((err as Error)?.stack ?? err)}`,
      })
      if (res.headersSent) return void res.destroy()
      sendEntraError(
        res,
        { error: 'invalid_request', aadsts: 90014, message: 'The request could not be processed.' },
        'json',
      )
    })
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
