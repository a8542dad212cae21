import type { ResolvedConfig } from 'idweb'

/** The scopes a page of the app requests when it is opened. */
export interface PageScopes {
  readonly path: string
  readonly scopes: readonly string[]
}

function apiScopes(config: ResolvedConfig, name: string): readonly string[] {
  const key = Object.keys(config.downstreamApis).find((k) => k.toLowerCase() === name.toLowerCase())
  return key ? (config.downstreamApis[key]?.scopes ?? []) : []
}

/**
 * What each page of the app requests: Profile calls Graph, Todos the todo API, Colleagues Graph
 * with one more permission. Read from the configuration, so the home page cannot drift from it.
 */
export function pageScopes(config: ResolvedConfig, colleaguesScope: string): PageScopes[] {
  return [
    { path: '/profile', scopes: apiScopes(config, 'Graph') },
    { path: '/todos', scopes: apiScopes(config, 'TodoApi') },
    { path: '/colleagues', scopes: [colleaguesScope] },
  ]
}

/**
 * The scopes each page asks consent for beyond what was consented at sign-in (`InitialScopes`);
 * pages that need nothing more are left out.
 */
export function consentBeyondSignIn(
  config: ResolvedConfig,
  pages: readonly PageScopes[],
): ReadonlyMap<string, readonly string[]> {
  const atSignIn = new Set(config.initialScopes.map(shortName))
  const extra = new Map<string, readonly string[]>()
  for (const page of pages) {
    const more = page.scopes.filter((s) => !atSignIn.has(shortName(s)))
    if (more.length > 0) extra.set(page.path, more)
  }
  return extra
}

/** Graph's scopes are spelled either `User.Read` or `https://graph.microsoft.com/User.Read`. */
function shortName(scope: string): string {
  return scope.replace(/^https:\/\/graph\.microsoft\.com\//i, '')
}
