import { graphResource } from './directory/graph.ts'
import type { DirectoryIndex, Resource } from './directory/index.ts'
import { EntraError } from './protocol-error.ts'

/** The OpenID Connect scopes, in the order token responses list them; they mix with the scopes of any one resource. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'profile',
  'email',
  'offline_access',
])

/** A `scope` parameter split the way Entra reads it: OIDC scopes plus one resource's scopes. */
export interface ScopeRequest {
  oidc: string[]
  /** The one resource the request is for; Graph when only OIDC scopes were asked. */
  resource: Resource | undefined
  /** Scope names of the resource, without prefix; may be `['.default']`. */
  names: string[]
  /**
   * Each of {@link ScopeRequest.names} as the request spelled it: full (`{prefix}/{name}`, the
   * prefix as asked) or a Graph short name, the name as the resource registers it.
   */
  spelled: string[]
}

/** `{identifier}/{name}`, the canonical form the provider stores and compares. */
export function canonicalScope(resource: Resource, name: string): string {
  return `${resource.identifier}/${name}`
}

/** How an error message names a scope: Graph scopes short, others full. */
export function displayScope(resource: Resource, name: string): string {
  return resource.isGraph && name !== '.default' ? name : canonicalScope(resource, name)
}

const GRAPH_NAMES = new Map(Object.keys(graphResource.scopes).map((n) => [n.toLowerCase(), n]))

function invalidScope(scope: string, reason: string): EntraError {
  return new EntraError({
    error: 'invalid_scope',
    aadsts: 70011,
    message: `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} ${reason}`,
  })
}

interface OneScope {
  resource: Resource
  name: string
  spelled: string
}

function splitOne(index: DirectoryIndex, scope: string): OneScope {
  const slash = scope.lastIndexOf('/')
  if (slash <= 0) {
    const graphName = GRAPH_NAMES.get(scope.toLowerCase())
    const graph = index.resource(graphResource.identifier)
    if (!graphName || !graph) throw invalidScope(scope, 'is not valid.')
    return { resource: graph, name: graphName, spelled: graphName }
  }
  const prefix = scope.slice(0, slash)
  const name = scope.slice(slash + 1)
  const resource = index.resource(prefix)
  if (!resource) {
    throw new EntraError({
      error: 'invalid_resource',
      aadsts: 500011,
      message: `The resource principal named ${prefix} was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    })
  }
  if (name === '.default') return { resource, name, spelled: `${prefix}/${name}` }
  const known = [...resource.scopes].find((s) => s.toLowerCase() === name.toLowerCase())
  if (!known) throw invalidScope(scope, 'does not exist on the resource.')
  return { resource, name: known, spelled: `${prefix}/${known}` }
}

/**
 * Parses a `scope` parameter. Throws AADSTS28000 when it names more than one resource, AADSTS70011
 * for an unknown scope and AADSTS500011 for an unknown resource.
 */
export function parseScopes(index: DirectoryIndex, raw: string | undefined): ScopeRequest {
  const oidc: string[] = []
  const names: string[] = []
  const spelled: string[] = []
  let resource: Resource | undefined
  for (const scope of (raw ?? '').split(/\s+/).filter(Boolean)) {
    if (OIDC_SCOPES.has(scope)) {
      if (!oidc.includes(scope)) oidc.push(scope)
      continue
    }
    const part = splitOne(index, scope)
    if (resource && resource !== part.resource) {
      throw new EntraError({
        error: 'invalid_scope',
        aadsts: 28000,
        message: `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${raw} is not valid.`,
      })
    }
    resource = part.resource
    if (!names.includes(part.name)) {
      names.push(part.name)
      spelled.push(part.spelled)
    }
  }
  if (names.includes('.default') && names.length > 1) {
    throw invalidScope(
      `${resource?.identifier}/.default`,
      'cannot be combined with other scopes of the same resource.',
    )
  }
  if (!resource) resource = index.resource(graphResource.identifier)
  return { oidc, resource, names, spelled }
}

/** The canonical space-separated form handed to oidc-provider. */
export function canonicalScopeString(request: ScopeRequest): string {
  const { resource } = request
  const resourceScopes = resource ? request.names.map((n) => canonicalScope(resource, n)) : []
  return [...request.oidc, ...resourceScopes].join(' ')
}

/**
 * The `scope` of a token response, as Entra answers it: each resource scope in the form `asked`
 * spelled it (full, or a Graph short name), `{resource}/.default` as the consented permissions,
 * each `{identifier}/{name}`, and the asked OIDC scopes only when the resource is Microsoft Graph
 * (for any other API Entra answers its scopes alone).
 *
 * @param granted what the token is for; its `names` may be `['.default']`
 * @param consented the scope names the token carries (`.default` expanded)
 * @param asked the request whose spelling and OIDC scopes the answer follows; `granted` by default
 */
export function answeredScope(
  granted: ScopeRequest,
  consented: string[],
  asked: ScopeRequest = granted,
): string {
  const { resource } = granted
  if (!resource) return ''
  const spelling = new Map<string, string>()
  for (const request of [granted, asked]) {
    if (request.resource !== resource) continue
    for (const [i, name] of request.names.entries()) spelling.set(name, request.spelled[i] ?? name)
  }
  // In one order whatever the request's, as Entra answers: MSAL Python keys an access token by
  // the answer as written, so an order that followed the request would cache one token twice.
  const registered = [...resource.scopes]
  const rank = (name: string) => {
    const i = registered.indexOf(name)
    return i < 0 ? registered.length : i
  }
  const names = granted.names.includes('.default') ? consented : granted.names
  const ordered = [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const scopes = granted.names.includes('.default')
    ? ordered.map((name) => canonicalScope(resource, name))
    : ordered.map((name) => spelling.get(name) ?? canonicalScope(resource, name))
  const oidc = resource.isGraph ? [...OIDC_SCOPES].filter((s) => asked.oidc.includes(s)) : []
  return [...scopes, ...oidc].join(' ')
}
