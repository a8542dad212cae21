import { randomBytes } from 'node:crypto'
import type { CacheKey } from '../../src/cache/seal.ts'
import type { TokenResponseToCache } from '../../src/cache/token-response.ts'

export const ENV = 'login.microsoftonline.com'
export const CLIENT = '11111111-2222-3333-4444-555555555555'
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
/** A fixed point in time (epoch ms) tests start from. */
export const T0 = Date.UTC(2025, 0, 1)

/** A key ring entry with fresh random bytes. */
export function newKey(id: string): CacheKey {
  return { id, key: new Uint8Array(randomBytes(32)) }
}

/** A user's sign-in response: account, ID, access and refresh tokens. */
export function userResponse(
  user: string,
  overrides: Partial<TokenResponseToCache> = {},
): TokenResponseToCache {
  const home = `${user}.${TENANT}`
  return {
    clientId: CLIENT,
    environment: ENV,
    realm: TENANT,
    scopes: ['User.Read', 'Mail.Read'],
    accessToken: `at-${user}`,
    expiresIn: 3600,
    extExpiresIn: 7200,
    refreshToken: `rt-${user}`,
    idToken: `idt-${user}`,
    account: {
      homeAccountId: home,
      localAccountId: user,
      username: `${user}@contoso.com`,
      name: `User ${user}`,
    },
    ...overrides,
  }
}

/** The home account id `userResponse(user)` records. */
export const home = (user: string): string => `${user}.${TENANT}`

/** A controllable clock. */
export function manualClock(start = T0) {
  let now = start
  return {
    now: () => now,
    advance(ms: number) {
      now += ms
    },
  }
}
