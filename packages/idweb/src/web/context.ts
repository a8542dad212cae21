import type { TokenAcquirer, UserAccount } from '../acquisition/acquirer.ts'
import type { ResolvedConfig } from '../config/resolved-config.ts'
import type { Logger } from '../logger.ts'
import type { ProtocolContext } from '../protocol/context.ts'
import type { SessionData, SessionManager } from '../session/index.ts'
import type { ConsumedStates } from './consumed-states.ts'
import type { ProviderLogouts } from './provider-logout.ts'

/** What every web handler works with. Built once by `createIdweb`. */
export interface WebContext {
  readonly config: ResolvedConfig
  readonly sessions: SessionManager
  readonly acquirer: TokenAcquirer
  /** The provider context (discovery is cached by the caller). */
  readonly protocol: () => Promise<ProtocolContext>
  readonly consumed: ConsumedStates
  /** Sessions the provider (or `signOutEverywhere`) ended, and the sign-ins a logout names. */
  readonly logouts: ProviderLogouts
  readonly logger: Logger
  readonly clock: () => number
  /**
   * The token cache partition of a session's tokens: `undefined` for the account's own (its home
   * account id), or one per session with the session token cache.
   */
  readonly tokenPartition: (sid: string) => string | undefined
}

/** The sign-in transaction sealed into a cookie for the round trip to the provider. */
export interface SignInTransaction {
  [field: string]: unknown
  state: string
  nonce: string
  codeVerifier: string
  returnTo: string
  scopes: string[]
  claims?: string
  createdAt: number
}

/** A signed-in user, as the session holds it. */
export interface SignedInUser {
  /** Claims kept from the ID token (`name`, `preferred_username`, `oid`, `tid`, ...). */
  readonly claims: Readonly<Record<string, unknown>>
  /** The account to acquire tokens for. */
  readonly account: UserAccount
  /** The user's session record, as read from the cookie or the session store. */
  readonly session: SessionData
}

/** The ID token claims kept in the session: enough to show and identify the user, no more. */
export const SESSION_CLAIMS = [
  'iss',
  'sub',
  // The provider's session: what back-channel and front-channel logout name.
  'sid',
  'oid',
  'tid',
  'name',
  'preferred_username',
  'email',
  'roles',
  'groups',
] as const

/** The {@link SESSION_CLAIMS} an ID token has: what a new session keeps of it. */
export function sessionClaimsOf(
  idClaims: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {}
  for (const name of SESSION_CLAIMS) {
    const value = idClaims[name]
    if (value !== undefined) claims[name] = value
  }
  return claims
}

/** The account a session belongs to, or `undefined` when the session lacks what it needs. */
export function accountOf(
  session: SessionData,
  partitionKey?: string | undefined,
): UserAccount | undefined {
  const c = session.user.claims
  if (typeof c.iss !== 'string' || typeof c.sub !== 'string') return undefined
  return {
    homeAccountId: session.user.homeAccountId,
    realm: typeof c.tid === 'string' ? c.tid : '',
    iss: c.iss,
    sub: c.sub,
    username: typeof c.preferred_username === 'string' ? c.preferred_username : undefined,
    ...(partitionKey === undefined ? {} : { partitionKey }),
  }
}

/** `https://app.example` + `path`: where the provider sends the browser back. */
export function absoluteUrl(request: Request, path: string): string {
  return new URL(path, request.url).href
}
