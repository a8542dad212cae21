import { createHash } from 'node:crypto'
import { base64url } from 'jose'
import * as oauth from 'oauth4webapi'

/** Entra's `client_info`: the home account's object id and tenant id. */
export interface ClientInfo {
  uid: string
  utid: string
}

/** A token endpoint answer, normalised for the cache. */
export interface TokenResult {
  accessToken: string
  tokenType: string
  /** Seconds from now until the access token expires. */
  expiresIn: number
  /** Entra's `ext_expires_in`: how long the token may be used while Entra is unavailable. */
  extExpiresIn: number | undefined
  /** Entra's `refresh_in`: when to refresh proactively. */
  refreshIn: number | undefined
  /** The scopes granted, as the provider reported them (else as requested). */
  scopes: string[]
  refreshToken: string | undefined
  idToken: string | undefined
  idTokenClaims: oauth.IDToken | undefined
  clientInfo: ClientInfo | undefined
}

/** Access tokens without `expires_in` live this long (the common provider default). */
const DEFAULT_EXPIRES_IN = 3600

/** Normalises a processed oauth4webapi token response. */
export function toTokenResult(
  response: oauth.TokenEndpointResponse,
  requestedScopes: readonly string[],
): TokenResult {
  const num = (v: unknown) => {
    const n = typeof v === 'string' ? Number(v) : v
    return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined
  }
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresIn: num(response.expires_in) ?? DEFAULT_EXPIRES_IN,
    extExpiresIn: num(response.ext_expires_in),
    refreshIn: num(response.refresh_in),
    scopes: response.scope ? response.scope.split(' ').filter(Boolean) : [...requestedScopes],
    refreshToken: response.refresh_token,
    idToken: response.id_token,
    idTokenClaims: oauth.getValidatedIdTokenClaims(response),
    clientInfo: parseClientInfo(response.client_info),
  }
}

/** Decodes Entra's base64url `client_info`; anything malformed is ignored (`undefined`). */
export function parseClientInfo(value: unknown): ClientInfo | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024) return undefined
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(value)))
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as ClientInfo).uid === 'string' &&
      typeof (parsed as ClientInfo).utid === 'string'
    ) {
      const { uid, utid } = parsed as ClientInfo
      return { uid, utid }
    }
  } catch {
    // Not base64url JSON: treated as absent.
  }
  return undefined
}

/**
 * The home account id of the signed-in user, as MSAL spells it: `uid.utid` from Entra's
 * `client_info`, else `oid.tid` from the ID token, else, for generic OpenID providers, the `sub`
 * joined to a short hash of the issuer (so two providers' subjects never share a partition).
 */
export function homeAccountId(claims: oauth.IDToken, clientInfo: ClientInfo | undefined): string {
  if (clientInfo) return `${clientInfo.uid}.${clientInfo.utid}`
  const { oid, tid } = claims
  if (typeof oid === 'string' && typeof tid === 'string' && oid && tid) return `${oid}.${tid}`
  const issuerHash = createHash('sha256').update(claims.iss).digest('base64url').slice(0, 16)
  return `${claims.sub}.${issuerHash}`
}
