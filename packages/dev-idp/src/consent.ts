import { graphResource } from './directory/graph.ts'
import type { DirectoryIndex, Resource } from './directory/index.ts'
import { OIDC_SCOPES, parseScopes } from './scopes.ts'

/** Who consents to what: one user, one client app, in one tenant. */
export interface ConsentSubject {
  tenantId: string
  oid: string
  clientId: string
}

/**
 * Consent the users gave, remembered per user + client app + resource scope for the life of the
 * provider (it outlives sessions, as Entra's does).
 */
export class ConsentStore {
  readonly #granted = new Map<string, Set<string>>()
  readonly #index: DirectoryIndex

  constructor(index: DirectoryIndex) {
    this.#index = index
  }

  /** Records consent to OIDC scopes and resource scope names. */
  grant(subject: ConsentSubject, oidc: string[], resource: Resource | undefined, names: string[]) {
    const set = this.#set(subject)
    for (const scope of oidc) set.add(scope)
    if (resource) for (const name of names) set.add(`${resource.identifier}/${name}`)
  }

  /** OIDC scopes the user consented to for the client. */
  oidcScopes(subject: ConsentSubject): string[] {
    return [...this.#set(subject)].filter((s) => OIDC_SCOPES.has(s))
  }

  /**
   * Scope names of a resource the client may use for the user without asking: the user's own
   * consent, the API's pre-authorized applications and admin-consented permissions.
   */
  effective(subject: ConsentSubject, resource: Resource): Set<string> {
    const names = new Set<string>()
    const prefix = `${resource.identifier}/`
    for (const scope of this.#set(subject)) {
      if (scope.startsWith(prefix)) names.add(scope.slice(prefix.length))
    }
    for (const name of resource.preAuthorized.get(subject.clientId) ?? []) names.add(name)
    for (const scope of this.#index.app(subject.clientId)?.adminConsentedScopes ?? []) {
      try {
        const parsed = parseScopes(this.#index, scope)
        if (parsed.resource === resource) for (const n of parsed.names) names.add(n)
      } catch {
        // An admin-consented scope naming an unknown resource grants nothing.
      }
    }
    return names
  }

  /** Names a request needs consent for (a `.default` request needs at least one consented scope). */
  missing(subject: ConsentSubject, resource: Resource, requested: string[]): string[] {
    const have = this.effective(subject, resource)
    if (requested.includes('.default')) return have.size > 0 ? [] : defaultExpansion(resource)
    return requested.filter((n) => !have.has(n))
  }

  /**
   * Entra's combined consent: when `subject.clientId` is a known client of the API `resource`,
   * the API's own downstream permissions (its `requiredScopes`) the user has not consented to
   * for the API yet, by downstream resource. Empty for any other client or resource.
   */
  middleTierNeeds(
    subject: ConsentSubject,
    resource: Resource,
  ): Array<{ api: string; apiName: string; resource: Resource; names: string[] }> {
    const api = this.#index.app(resource.appId)
    const known = (api?.knownClientApplications ?? []).map((id) => id.toLowerCase())
    if (!api || !known.includes(subject.clientId.toLowerCase())) return []
    const asApi = { ...subject, clientId: api.appId }
    const byResource = new Map<Resource, string[]>()
    for (const scope of api.requiredScopes ?? []) {
      let parsed: ReturnType<typeof parseScopes>
      try {
        parsed = parseScopes(this.#index, scope)
      } catch {
        continue // a required scope naming an unknown resource asks for nothing
      }
      if (!parsed.resource) continue
      const missing = this.missing(asApi, parsed.resource, parsed.names)
      if (missing.length === 0) continue
      byResource.set(parsed.resource, [...(byResource.get(parsed.resource) ?? []), ...missing])
    }
    return [...byResource].map(([downstream, names]) => ({
      api: api.appId,
      apiName: api.displayName,
      resource: downstream,
      names: [...new Set(names)],
    }))
  }

  /** What `scp` says: the requested names, `.default` expanded to everything consented. */
  granted(subject: ConsentSubject, resource: Resource, requested: string[]): string[] {
    if (!requested.includes('.default')) return requested
    return [...this.effective(subject, resource)]
  }

  #set(subject: ConsentSubject): Set<string> {
    const key = `${subject.tenantId}|${subject.oid}|${subject.clientId}`
    let set = this.#granted.get(key)
    if (!set) {
      set = new Set()
      this.#granted.set(key, set)
    }
    return set
  }
}

/**
 * What consent to `{resource}/.default` asks for when nothing was granted yet: `User.Read` for
 * Graph (Entra's default permission), every exposed scope for an API.
 */
export function defaultExpansion(resource: Resource): string[] {
  if (resource.identifier === graphResource.identifier) return ['User.Read']
  return [...resource.scopes]
}
