import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose'
import type { IdpContext } from '../context.ts'
import type { App } from '../directory/index.ts'
import type { FederatedIdentityCredential } from '../directory/types.ts'
import type { EntraErrorFields } from '../protocol-error.ts'
import { federatedRequests } from '../provider/request-context.ts'
import { replayRequest } from './replay.ts'
import { sendEntraError } from './respond.ts'
import type { PreparedBody } from './token-request.ts'

/** What {@link checkFederatedAssertion} decided about a token request. */
export type FederationOutcome =
  | { kind: 'none' }
  | { kind: 'accepted'; params: URLSearchParams }
  | { kind: 'refused'; error: EntraErrorFields }

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** Entra accepts an assertion a little past its `exp` or before its `nbf`. */
const CLOCK_TOLERANCE_SECONDS = 60
const remoteKeys = new Map<string, JWTVerifyGetKey>()

/**
 * A token request whose `client_assertion` was issued by someone other than the client (its `iss`
 * is not the `client_id`) is a federated identity credential exchange, as Entra does it: the
 * assertion must match one of the app's federated identity credentials (issuer, subject, one of
 * the audiences), be signed by the issuer's keys and be within its lifetime. When it is, the
 * request goes on to the provider with the client authenticated by the process's federation
 * secret in place of the assertion; otherwise it is refused with Entra's error.
 */
export async function checkFederatedAssertion(
  ctx: IdpContext,
  params: URLSearchParams,
): Promise<FederationOutcome> {
  const assertion = params.get('client_assertion')
  const clientId = params.get('client_id')
  if (!assertion || !clientId || params.getAll('client_assertion').length !== 1) {
    return { kind: 'none' }
  }
  let claims: JWTPayload
  try {
    claims = decodeJwt(assertion)
  } catch {
    return { kind: 'none' }
  }
  if (claims.iss === clientId) return { kind: 'none' }
  const app = ctx.index.app(clientId)
  if (!app || app.publicClient) return { kind: 'none' }
  if (params.get('client_assertion_type') !== JWT_BEARER_ASSERTION) {
    return refused(
      50027,
      `Invalid client_assertion_type: expected '${JWT_BEARER_ASSERTION}' for a federated assertion.`,
    )
  }
  const credential = matching(ctx, app, claims)
  if (!credential) {
    return refused(
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${String(claims.iss)}'. Assertion Subject: '${String(claims.sub)}'. Assertion Audience: '${[claims.aud ?? ''].flat().join(',')}'.`,
    )
  }
  try {
    await jwtVerify(assertion, keysOf(ctx, credential.issuer), {
      issuer: credential.issuer,
      subject: credential.subject,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
      algorithms: ['RS256', 'PS256', 'ES256'],
    })
  } catch (err) {
    if (err instanceof errors.JWTExpired || err instanceof errors.JWTClaimValidationFailed) {
      return refused(
        700024,
        `Client assertion is not within its valid time range. Current time: ${new Date().toISOString()}, expiry time of assertion ${typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : 'none'}.`,
      )
    }
    return refused(
      50013,
      `Assertion failed signature validation: it is not signed by a key of ${credential.issuer} (federated identity credential '${credential.name}').`,
    )
  }
  const forwarded = new URLSearchParams(params)
  forwarded.delete('client_assertion')
  forwarded.delete('client_assertion_type')
  forwarded.set('client_secret', ctx.federationSecret)
  return { kind: 'accepted', params: forwarded }
}

/**
 * The request a tenant's provider should parse for a token request `prepared` from `req`: the
 * same, or with a federated assertion exchanged (see {@link checkFederatedAssertion}). `undefined`
 * when the assertion was refused and the answer already sent.
 */
export async function forwardTokenRequest(
  ctx: IdpContext,
  prepared: Extract<PreparedBody, { kind: 'form' }>,
  req: IncomingMessage,
  target: string,
  res: ServerResponse,
): Promise<IncomingMessage | undefined> {
  const outcome = await checkFederatedAssertion(ctx, prepared.params)
  if (outcome.kind === 'none') return prepared.req(target)
  if (outcome.kind === 'accepted') {
    const replayed = replayRequest(req, Buffer.from(outcome.params.toString()), target)
    federatedRequests.add(replayed)
    return replayed
  }
  sendEntraError(res, outcome.error, 'json', req.headers['client-request-id'])
  return undefined
}

function refused(aadsts: number, message: string): FederationOutcome {
  return { kind: 'refused', error: { error: 'invalid_client', aadsts, status: 401, message } }
}

/** `{origin}` in a credential's issuer is this provider's own origin. */
function issuerOf(ctx: IdpContext, credential: FederatedIdentityCredential): string {
  return credential.issuer.replace('{origin}', ctx.origin)
}

function matching(
  ctx: IdpContext,
  app: App,
  claims: JWTPayload,
): (FederatedIdentityCredential & { issuer: string }) | undefined {
  const audiences = [claims.aud ?? []].flat()
  for (const credential of app.federatedIdentityCredentials ?? []) {
    const issuer = issuerOf(ctx, credential)
    if (issuer !== claims.iss || credential.subject !== claims.sub) continue
    const accepted = credential.audiences.some((wanted) => {
      const resource = ctx.index.resource(wanted)
      return audiences.some((aud) => aud === wanted || resource?.aliases.includes(aud))
    })
    if (accepted) return { ...credential, issuer }
  }
  return undefined
}

/** This provider's own keys for its own issuers; others' through their discovery documents. */
function keysOf(ctx: IdpContext, issuer: string): JWTVerifyGetKey {
  if (issuer.startsWith(`${ctx.origin}/`)) return createLocalJWKSet(ctx.keys.jwks)
  let keys = remoteKeys.get(issuer)
  if (!keys) {
    let resolved: Promise<JWTVerifyGetKey> | undefined
    const discover = async (): Promise<JWTVerifyGetKey> => {
      const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) })
      if (!response.ok) throw new Error(`${url} answered ${response.status}`)
      const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown }
      if (typeof jwksUri !== 'string') throw new Error(`${url} has no jwks_uri`)
      return createRemoteJWKSet(new URL(jwksUri))
    }
    keys = async (header, token) => {
      // A failed discovery is remembered for 30 s: unsigned tokens naming the issuer cannot turn
      // into one outbound request each.
      resolved ??= discover().catch((err) => {
        setTimeout(() => {
          resolved = undefined
        }, 30_000).unref()
        throw err
      })
      return (await resolved)(header, token)
    }
    if (remoteKeys.size >= 100) remoteKeys.clear()
    remoteKeys.set(issuer, keys)
  }
  return keys
}
