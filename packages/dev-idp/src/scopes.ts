import { graphResource } from './directory/graph.ts'
import type { DirectoryIndex, Resource } from './directory/index.ts'
import { EntraError } from './protocol-error.ts'

/** The OpenID Connect scopes; they mix with the scopes of any one resource. */
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
}

/** `{identifier}/{name}`, the canonical form the provider stores and compares. */
export function canonicalScope(resource: Resource, name: string): string {
  return `${resource.identifier}/${name}`
}

/** The form a token response's `scope` shows: Graph scopes short, others full. */
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

function splitOne(index: DirectoryIndex, scope: string): { resource: Resource; name: string } {
  const slash = scope.lastIndexOf('/')
  if (slash <= 0) {
    const graphName = GRAPH_NAMES.get(scope.toLowerCase())
    const graph = index.resource(graphResource.identifier)
    if (!graphName || !graph) throw invalidScope(scope, 'is not valid.')
    return { resource: graph, name: graphName }
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
  if (name === '.default') return { resource, name }
  const known = [...resource.scopes].find((s) => s.toLowerCase() === name.toLowerCase())
  if (!known) throw invalidScope(scope, 'does not exist on the resource.')
  return { resource, name: known }
}

/**
 * Parses a `scope` parameter. Throws AADSTS28000 when it names more than one resource, AADSTS70011
 * for an unknown scope and AADSTS500011 for an unknown resource.
 */
export function parseScopes(index: DirectoryIndex, raw: string | undefined): ScopeRequest {
  const oidc: string[] = []
  const names: string[] = []
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
    if (!names.includes(part.name)) names.push(part.name)
  }
  if (names.includes('.default') && names.length > 1) {
    throw invalidScope(
      `${resource?.identifier}/.default`,
      'cannot be combined with other scopes of the same resource.',
    )
  }
  if (!resource) resource = index.resource(graphResource.identifier)
  return { oidc, resource, names }
}

/** The canonical space-separated form handed to oidc-provider. */
export function canonicalScopeString(request: ScopeRequest): string {
  const { resource } = request
  const resourceScopes = resource ? request.names.map((n) => canonicalScope(resource, n)) : []
  return [...request.oidc, ...resourceScopes].join(' ')
}
