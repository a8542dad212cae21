import { randomBytes } from 'node:crypto'
import type { AccountInfo } from '@azure/msal-node'
import type { UserAccount } from 'idweb'
// The cache is not exported from the package root yet; import its sources directly.
import type { TokenResponseToCache } from '../packages/idweb/src/cache/index.ts'

export const CLIENT = '6731de76-14a6-49ae-97bc-6eba6914391e'
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
export const ENV = 'login.microsoftonline.com'
export const SCOPES: readonly string[] = Object.freeze(['User.Read', 'Mail.Read'])

/** Token sizes close to Entra's: access tokens ~1.2 KB, ID tokens ~0.9 KB, refresh ~0.7 KB. */
const SIZES = { accessToken: 1200, idToken: 900, refreshToken: 700 }

export interface BenchAccount {
  oid: string
  homeAccountId: string
  username: string
  accessToken: string
  idToken: string
  refreshToken: string
}

/** A flat (not concatenated) random string, as a parsed token response would hold. */
function token(chars: number): string {
  return randomBytes(Math.ceil((chars * 3) / 4))
    .toString('base64url')
    .slice(0, chars)
}

function jwtLike(oid: string, chars: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const head = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    aud: CLIENT,
    iss: `https://${ENV}/${TENANT}/v2.0`,
    oid,
    tid: TENANT,
    sub: oid,
    preferred_username: `${oid}@contoso.com`,
    iat: 1_700_000_000,
    exp: 4_102_444_800,
  })}`
  return `${head}.${token(Math.max(16, chars - head.length - 1))}`
}

/** `n` accounts with unique tokens. */
export function makeAccounts(n: number): BenchAccount[] {
  return Array.from({ length: n }, (_, i) => {
    const oid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
    return {
      oid,
      homeAccountId: `${oid}.${TENANT}`,
      username: `user${i}@contoso.com`,
      accessToken: token(SIZES.accessToken),
      idToken: jwtLike(oid, SIZES.idToken),
      refreshToken: token(SIZES.refreshToken),
    }
  })
}

/** The token response idweb stores at sign-in for `a`. */
export function responseFor(a: BenchAccount): TokenResponseToCache {
  return {
    clientId: CLIENT,
    environment: ENV,
    realm: TENANT,
    scopes: SCOPES,
    accessToken: a.accessToken,
    expiresIn: 3600,
    extExpiresIn: 7200,
    tokenType: 'Bearer',
    refreshToken: a.refreshToken,
    idToken: a.idToken,
    account: {
      homeAccountId: a.homeAccountId,
      localAccountId: a.oid,
      username: a.username,
      name: a.username,
    },
  }
}

/**
 * One MSAL-schema cache holding every account (what msal-node's `deserialize` reads), built
 * section by section so no intermediate object graph doubles the memory.
 */
export function msalCacheJson(accounts: readonly BenchAccount[], nowSeconds: number): string {
  const s = String(nowSeconds)
  const exp = String(nowSeconds + 3600)
  const ext = String(nowSeconds + 7200)
  const entries = (f: (a: BenchAccount) => [string, object]) =>
    accounts.map((a) => {
      const [k, v] = f(a)
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`
    })
  const base = (a: BenchAccount) => ({
    home_account_id: a.homeAccountId,
    environment: ENV,
    client_id: CLIENT,
  })
  const account = entries((a) => [
    `${a.homeAccountId}-${ENV}-${TENANT}`,
    {
      home_account_id: a.homeAccountId,
      environment: ENV,
      realm: TENANT,
      local_account_id: a.oid,
      username: a.username,
      authority_type: 'MSSTS',
      name: a.username,
    },
  ])
  const id = entries((a) => [
    `${a.homeAccountId}-${ENV}-idtoken-${CLIENT}-${TENANT}-`,
    { ...base(a), credential_type: 'IdToken', secret: a.idToken, realm: TENANT },
  ])
  const at = entries((a) => [
    `${a.homeAccountId}-${ENV}-accesstoken-${CLIENT}-${TENANT}-${SCOPES.join(' ').toLowerCase()}`,
    {
      ...base(a),
      credential_type: 'AccessToken',
      secret: a.accessToken,
      realm: TENANT,
      target: SCOPES.join(' '),
      cached_at: s,
      expires_on: exp,
      extended_expires_on: ext,
      token_type: 'Bearer',
    },
  ])
  const rt = entries((a) => [
    `${a.homeAccountId}-${ENV}-refreshtoken-${CLIENT}--`,
    { ...base(a), credential_type: 'RefreshToken', secret: a.refreshToken },
  ])
  const meta = `${JSON.stringify(`appmetadata-${ENV}-${CLIENT}`)}:${JSON.stringify({ client_id: CLIENT, environment: ENV })}`
  return `{"Account":{${account.join(',')}},"IdToken":{${id.join(',')}},"AccessToken":{${at.join(',')}},"RefreshToken":{${rt.join(',')}},"AppMetadata":{${meta}}}`
}

/** The account idweb's acquirer is asked for, as a session would hold it for `a`. */
export function userOf(a: BenchAccount): UserAccount {
  return {
    homeAccountId: a.homeAccountId,
    realm: TENANT,
    iss: `https://${ENV}/${TENANT}/v2.0`,
    sub: a.oid,
    username: a.username,
  }
}

/**
 * The account msal-node is asked for. Built by hand: msal-node's getAccountByHomeId is quadratic
 * in the number of accounts (minutes at 10,000), which would only measure the harness.
 */
export function msalAccountOf(a: BenchAccount): AccountInfo {
  return {
    homeAccountId: a.homeAccountId,
    environment: ENV,
    tenantId: TENANT,
    username: a.username,
    localAccountId: a.oid,
    name: a.username,
  }
}
