import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createLocalJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose'
import { type IdpContext, issuerOf } from '../context.ts'
import { graphResource } from '../directory/graph.ts'
import type { User } from '../directory/index.ts'
import { sendJson } from '../http/respond.ts'
import { pairwiseSubject } from '../provider/account.ts'

interface GraphCaller {
  payload: JWTPayload
  scopes: Set<string>
  roles: Set<string>
  user: User | undefined
}

type Outcome =
  | { ok: true; caller: GraphCaller }
  | { ok: false; status: number; code: string; message: string; challenge: string }

function graphError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  challenge?: string,
) {
  const headers: Record<string, string> = challenge ? { 'www-authenticate': challenge } : {}
  sendJson(
    res,
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString(),
          'request-id': randomUUID(),
          'client-request-id': String(req.headers['client-request-id'] ?? randomUUID()),
        },
      },
    },
    headers,
  )
}

function bearerChallenge(
  ctx: IdpContext,
  error?: string,
  description?: string,
  scope?: string,
): string {
  const parts = [
    'realm=""',
    `authorization_uri="${ctx.origin}/common/oauth2/v2.0/authorize"`,
    `client_id="${graphResource.appId}"`,
  ]
  if (error) parts.push(`error="${error}"`)
  if (description) parts.push(`error_description="${description.replaceAll('"', "'")}"`)
  if (scope) parts.push(`scope="${scope}"`)
  return `Bearer ${parts.join(', ')}`
}

async function authenticate(ctx: IdpContext, req: IncomingMessage): Promise<Outcome> {
  const fail = (message: string, error?: string): Outcome => ({
    ok: false,
    status: 401,
    code: 'InvalidAuthenticationToken',
    message,
    challenge: bearerChallenge(ctx, error, error ? message : undefined),
  })
  const header = req.headers.authorization
  if (!header) return fail('Access token is empty.')
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header)
  if (!match?.[1]) return fail('The Authorization header is not a Bearer token.', 'invalid_request')
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(match[1], createLocalJWKSet(ctx.keys.jwks), {
      algorithms: ['RS256'],
      clockTolerance: 1,
    }))
  } catch (err) {
    const expired = err instanceof joseErrors.JWTExpired
    return fail(
      expired
        ? 'Lifetime validation failed, the token is expired.'
        : 'Invalid token: signature or format.',
      'invalid_token',
    )
  }
  const tid = typeof payload.tid === 'string' ? payload.tid : ''
  if (!ctx.providers.has(tid) || payload.iss !== issuerOf(ctx, tid))
    return fail('Invalid token issuer.', 'invalid_token')
  if (payload.aud !== graphResource.appId && payload.aud !== graphResource.identifier) {
    return fail('Invalid audience: the token is not for Microsoft Graph.', 'invalid_token')
  }
  // A user token has `scp`; an app-only token has none (its `idtyp` is an optional claim).
  const user =
    typeof payload.oid === 'string' && typeof payload.scp === 'string'
      ? ctx.index.userByOid(payload.oid)
      : undefined
  return {
    ok: true,
    caller: {
      payload,
      scopes: new Set(
        String(payload.scp ?? '')
          .split(' ')
          .filter(Boolean),
      ),
      roles: new Set(Array.isArray(payload.roles) ? payload.roles.map(String) : []),
      user,
    },
  }
}

function profile(user: User) {
  return {
    id: user.oid,
    displayName: user.name,
    userPrincipalName: user.preferredUsername,
    mail: user.email ?? user.preferredUsername,
    givenName: user.givenName ?? null,
    surname: user.surname ?? null,
    businessPhones: [],
    jobTitle: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
  }
}

/** `/graph/…`: a small Microsoft Graph (`/v1.0/me`, `/v1.0/users`, `/oidc/userinfo`). */
export async function handleGraph(
  ctx: IdpContext,
  parts: string[],
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = parts.join('/')
  const known = ['v1.0/me', 'v1.0/users', 'oidc/userinfo']
  if (!known.includes(path))
    return graphError(
      req,
      res,
      404,
      'Request_ResourceNotFound',
      `Resource '${path}' does not exist.`,
    )
  if (req.method !== 'GET')
    return graphError(req, res, 405, 'Request_BadRequest', 'Only GET is supported.')
  const outcome = await authenticate(ctx, req)
  if (!outcome.ok)
    return graphError(req, res, outcome.status, outcome.code, outcome.message, outcome.challenge)
  const { caller } = outcome
  const needs = (scopes: string[], roles: string[] = []) =>
    scopes.some((s) => caller.scopes.has(s)) || roles.some((r) => caller.roles.has(r))
  const forbid = (scope: string) =>
    graphError(
      req,
      res,
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
      bearerChallenge(ctx, 'insufficient_scope', `The token lacks ${scope}`, scope),
    )

  if (path === 'v1.0/me' || path === 'oidc/userinfo') {
    if (!caller.user)
      return graphError(
        req,
        res,
        400,
        'BadRequest',
        '/me request is only valid with delegated authentication flow.',
      )
    if (path === 'oidc/userinfo') {
      const u = caller.user
      return sendJson(res, 200, {
        sub: pairwiseSubject(ctx.options.seed, u.oid, String(caller.payload.azp)),
        name: u.name,
        family_name: u.surname,
        given_name: u.givenName,
        email: u.email ?? u.preferredUsername,
      })
    }
    if (!needs(['User.Read', 'User.ReadBasic.All', 'User.Read.All'])) return forbid('User.Read')
    return sendJson(res, 200, {
      '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#users/$entity`,
      ...profile(caller.user),
    })
  }
  if (!needs(['User.ReadBasic.All', 'User.Read.All'], ['User.Read.All']))
    return forbid('User.ReadBasic.All')
  const users = ctx.index.usersOfTenant(String(caller.payload.tid)).map(profile)
  const top = Number(url.searchParams.get('$top') ?? users.length)
  sendJson(res, 200, {
    '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#users`,
    value: users.slice(0, Number.isFinite(top) && top > 0 ? top : users.length),
  })
}
