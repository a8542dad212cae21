import type { CachedAccessToken } from './access-token-index.ts'

/**
 * Whether a cached, still valid access token should be refreshed proactively: its `refresh_on`
 * (Entra's `refresh_in`, or half-life for long-lived tokens) has passed. The token can still be
 * served if the refresh fails.
 *
 * @example
 * ```ts
 * const at = p.findAccessToken(query)
 * if (at && needsRefresh(at)) void refreshInBackground()
 * ```
 */
export function needsRefresh(token: CachedAccessToken, now: number = Date.now()): boolean {
  return token.refreshOn !== undefined && now / 1000 >= token.refreshOn
}
