import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import { defaultExpansion } from '../consent.ts'
import type { IdpContext } from '../context.ts'
import { graphResource } from '../directory/graph.ts'
import type { Resource } from '../directory/index.ts'
import { type ConsentItem, consentPage } from '../pages/consent.ts'
import { loginPage } from '../pages/login.ts'
import { canonicalScope, parseScopes } from '../scopes.ts'
import { readForm } from './body.ts'
import { sendEntraError, sendHtml } from './respond.ts'

const OIDC_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Maintain access to data you have given it access to',
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>

interface ConsentNeeds {
  oidc: string[]
  /** resource identifier → scope names (`.default` expanded) */
  resources: Array<{ resource: Resource; names: string[] }>
  /** What the requested APIs need downstream, consented with them (combined consent). */
  middleTier: Array<{ api: string; apiName: string; resource: Resource; names: string[] }>
}

function consentNeeds(ctx: IdpContext, tenantId: string, details: Details): ConsentNeeds {
  const d = details.prompt.details as {
    missingOIDCScope?: string[]
    missingResourceScopes?: Record<string, string[]>
  }
  const resources: ConsentNeeds['resources'] = []
  for (const [identifier, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
    const resource = ctx.index.resource(identifier)
    if (!resource) continue
    const names = scopes.map((s) => s.slice(resource.identifier.length + 1))
    resources.push({
      resource,
      names: names.includes('.default') ? defaultExpansion(resource) : names,
    })
  }
  const subject = {
    tenantId,
    oid: String(details.session?.accountId ?? ''),
    clientId: String(details.params.client_id),
  }
  let requested: Resource | undefined
  try {
    requested = parseScopes(ctx.index, String(details.params.scope ?? '')).resource
  } catch {
    requested = undefined
  }
  const apis = new Set([...resources.map((r) => r.resource), ...(requested ? [requested] : [])])
  const middleTier = [...apis].flatMap((api) => ctx.consents.middleTierNeeds(subject, api))
  return { oidc: d.missingOIDCScope ?? [], resources, middleTier }
}

function describe(resource: Resource, name: string): string {
  if (resource.isGraph) return graphResource.scopes[name] ?? name
  return `Access ${resource.displayName} (${name})`
}

function consentItems(needs: ConsentNeeds): ConsentItem[] {
  const items = needs.oidc.map((s) => ({ scope: s, description: OIDC_DESCRIPTIONS[s] ?? s }))
  for (const { resource, names } of needs.resources) {
    for (const name of names)
      items.push({ scope: canonicalScope(resource, name), description: describe(resource, name) })
  }
  for (const { apiName, resource, names } of needs.middleTier) {
    for (const name of names) {
      items.push({
        scope: canonicalScope(resource, name),
        description: `${describe(resource, name)}, for ${apiName}`,
      })
    }
  }
  return items
}

function expired(res: ServerResponse) {
  sendEntraError(
    res,
    {
      error: 'invalid_request',
      aadsts: 50058,
      message:
        'The sign-in session expired or was already completed. Start the sign-in again from the application.',
    },
    'html',
  )
}

/** GET `/{tid}/interaction/{uid}`: the login or consent page. */
async function showInteraction(
  ctx: IdpContext,
  provider: Provider,
  tenantId: string,
  req: IncomingMessage,
  res: ServerResponse,
  error?: string,
  typed?: string,
) {
  const details = await provider.interactionDetails(req, res)
  const client = await provider.Client.find(String(details.params.client_id))
  const appName = client?.clientName ?? String(details.params.client_id)
  const tenant = ctx.index.tenants.find((t) => t.id === tenantId)
  const action = `/${tenantId}/interaction/${details.uid}`
  if (details.prompt.name === 'login') {
    const loginHint = details.params.login_hint
    const hint = typed || (typeof loginHint === 'string' ? loginHint : undefined)
    sendHtml(
      res,
      200,
      loginPage({
        action: `${action}/login`,
        appName,
        tenantName: tenant?.displayName ?? tenantId,
        ...(hint ? { username: hint } : {}),
        ...(error ? { error } : {}),
      }),
    )
    return
  }
  const user = details.session?.accountId
    ? ctx.index.userByOid(details.session.accountId)
    : undefined
  sendHtml(
    res,
    200,
    consentPage({
      action: `${action}/consent`,
      appName,
      username: user?.preferredUsername ?? '',
      tenantName: tenant?.displayName ?? tenantId,
      items: consentItems(consentNeeds(ctx, tenantId, details)),
    }),
  )
}

async function submitLogin(
  ctx: IdpContext,
  provider: Provider,
  tenantId: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const form = await readForm(req)
  const username = form?.get('username') ?? ''
  const password = form?.get('password') ?? ''
  const user = ctx.index.userByName(username)
  const tenant = ctx.index.tenants.find((t) => t.id === tenantId)
  let error: string | undefined
  if (!user || user.password !== password) {
    error = 'Your account or password is incorrect.'
  } else if (user.tenantId !== tenantId) {
    error = `AADSTS50020: User account '${user.preferredUsername}' does not exist in tenant '${tenant?.displayName}'. Sign in through /common or the user's own tenant.`
  }
  if (error || !user) {
    await showInteraction(ctx, provider, tenantId, req, res, error, username)
    return
  }
  ctx.options.logger({
    level: 'info',
    message: 'user signed in',
    fields: { tenant: tenantId, user: user.oid.slice(0, 8) },
  })
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.oid } },
    { mergeWithLastSubmission: false },
  )
}

async function submitConsent(
  ctx: IdpContext,
  provider: Provider,
  tenantId: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const form = await readForm(req)
  const details = await provider.interactionDetails(req, res)
  if (details.prompt.name !== 'consent' || !details.session?.accountId) {
    await showInteraction(ctx, provider, tenantId, req, res)
    return
  }
  if (form?.get('decision') !== 'accept') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user declined to consent.' },
      { mergeWithLastSubmission: true },
    )
    return
  }
  const accountId = details.session.accountId
  const clientId = String(details.params.client_id)
  const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined
  const target = grant ?? new provider.Grant({ accountId, clientId })
  const needs = consentNeeds(ctx, tenantId, details)
  const subject = { tenantId, oid: accountId, clientId }
  if (needs.oidc.length > 0) target.addOIDCScope(needs.oidc.join(' '))
  ctx.consents.grant(subject, needs.oidc, undefined, [])
  const raw = details.prompt.details as { missingResourceScopes?: Record<string, string[]> }
  for (const { resource, names } of needs.resources) {
    const asked = raw.missingResourceScopes?.[resource.identifier] ?? []
    target.addResourceScope(
      resource.identifier,
      [...new Set([...asked, ...names.map((n) => canonicalScope(resource, n))])].join(' '),
    )
    ctx.consents.grant(subject, [], resource, names)
  }
  for (const { api, resource, names } of needs.middleTier) {
    ctx.consents.grant({ tenantId, oid: accountId, clientId: api }, [], resource, names)
  }
  const grantId = await target.save()
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  )
}

/** Routes `/{tid}/interaction/{uid}[/login|/consent]`. */
export async function handleInteraction(
  ctx: IdpContext,
  provider: Provider,
  tenantId: string,
  rest: string[],
  req: IncomingMessage,
  res: ServerResponse,
) {
  try {
    const action = rest[2]
    if (req.method === 'GET' && action === undefined)
      return await showInteraction(ctx, provider, tenantId, req, res)
    if (req.method === 'POST' && action === 'login')
      return await submitLogin(ctx, provider, tenantId, req, res)
    if (req.method === 'POST' && action === 'consent')
      return await submitConsent(ctx, provider, tenantId, req, res)
    sendEntraError(
      res,
      {
        error: 'invalid_request',
        aadsts: 90014,
        message: 'Unknown interaction step.',
        status: 404,
      },
      'html',
    )
  } catch (err) {
    if ((err as { name?: string }).name === 'SessionNotFound') return expired(res)
    throw err
  }
}
