import type { IncomingMessage } from 'node:http'
import { decodeJwt } from 'jose'
import type { IdpContext } from '../context.ts'
import { DEVICE_CODE } from '../provider/clients.ts'
import { BODY_LIMIT, readBody } from './body.ts'
import { replayRequest } from './replay.ts'

/** What the router learned from a token request body before handing it to a tenant. */
export type PreparedBody =
  | { kind: 'form'; params: URLSearchParams; req: (url: string) => IncomingMessage }
  | { kind: 'passthrough' }
  | { kind: 'too-large' }

function isForm(req: IncomingMessage): boolean {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase()
  return type === 'application/x-www-form-urlencoded'
}

/**
 * Reads a form body (bounded), accepts MSAL's `grant_type=device_code` alias of the device code
 * grant, and returns a factory for the request the provider will parse. Other content types pass
 * through untouched: the provider answers them with `invalid_request`.
 */
export async function prepareTokenBody(req: IncomingMessage): Promise<PreparedBody> {
  if (!isForm(req)) return { kind: 'passthrough' }
  if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) return { kind: 'too-large' }
  const raw = await readBody(req)
  if (raw === undefined) return { kind: 'too-large' }
  const params = new URLSearchParams(raw.toString('utf8'))
  let body = raw
  if (params.getAll('grant_type').length === 1 && params.get('grant_type') === 'device_code') {
    params.set('grant_type', DEVICE_CODE)
    body = Buffer.from(params.toString())
  }
  return { kind: 'form', params, req: (url) => replayRequest(req, body, url) }
}

/**
 * The tenant a token request sent to `/common` or `/organizations` belongs to: the tenant that
 * issued its code, refresh token or device code; the `tid` of an on-behalf-of assertion; or the
 * client's home tenant (client credentials).
 */
export function tenantOfTokenRequest(
  ctx: IdpContext,
  params: URLSearchParams,
  authorization: string | undefined,
): string | undefined {
  for (const name of ['code', 'refresh_token', 'device_code']) {
    const value = params.get(name)
    if (value) return ctx.store.tenantOf(value)
  }
  const assertion = params.get('assertion')
  if (assertion) {
    try {
      const tid = decodeJwt(assertion).tid
      return typeof tid === 'string' && ctx.providers.has(tid) ? tid : undefined
    } catch {
      return undefined
    }
  }
  return clientHomeTenant(ctx, params, authorization)
}

/** The home tenant of the client a request names (body `client_id`, Basic auth, or assertion `iss`). */
export function clientHomeTenant(
  ctx: IdpContext,
  params: URLSearchParams,
  authorization: string | undefined,
): string | undefined {
  let clientId = params.get('client_id') ?? undefined
  if (!clientId && authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8')
    const raw = decoded.split(':')[0] ?? ''
    try {
      clientId = decodeURIComponent(raw)
    } catch {
      clientId = raw
    }
  }
  if (!clientId && params.get('client_assertion')) {
    try {
      clientId = String(decodeJwt(params.get('client_assertion') ?? '').iss ?? '')
    } catch {
      clientId = undefined
    }
  }
  return clientId ? ctx.index.app(clientId)?.homeTenantId : undefined
}
