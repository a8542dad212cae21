import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { DevIdpError } from '../errors.ts'
import { graphResource } from './graph.ts'
import { tokenExchangeResource } from './token-exchange.ts'
import type {
  AppRegistration,
  AppRole,
  Directory,
  ManagedIdentityRecord,
  TenantRecord,
  UserRecord,
} from './types.ts'
import { validateDirectory } from './validate.ts'

/** A user with its home tenant resolved to the tenant id. */
export interface User extends UserRecord {
  tenantId: string
}

/** An app registration with its home tenant resolved to the tenant id. */
export interface App extends AppRegistration {
  homeTenantId: string
}

/** A managed identity with its tenant resolved to the tenant id. */
export interface ManagedIdentity extends ManagedIdentityRecord {
  tenantId: string
}

/** How a managed identity request names its identity (App Service's query parameters). */
export interface ManagedIdentitySelector {
  clientId?: string
  principalId?: string
  resourceId?: string
}

/** Something a token can be issued for: Microsoft Graph or an app that exposes an API. */
export interface Resource {
  /** The canonical identifier, the prefix of its scopes (`https://graph.microsoft.com`, `api://…`). */
  identifier: string
  /** Every string that names it: identifier URIs and the app id. */
  aliases: string[]
  /** The app id, the `aud` of its access tokens. */
  appId: string
  displayName: string
  /** Delegated scope names (without prefix). */
  scopes: Set<string>
  appRoles: AppRole[]
  isGraph: boolean
  /** client app id → scope names that need no consent. */
  preAuthorized: Map<string, Set<string>>
}

/** The shipped demo directory. */
export const defaultDirectoryPath = new URL('../../directory.json', import.meta.url)

/** Reads and validates a directory JSON file. */
export async function readDirectoryFile(path: string | URL): Promise<Directory> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new DevIdpError('DEV_IDP_DIRECTORY_INVALID', `cannot read the directory file ${path}`, {
      cause,
    })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new DevIdpError('DEV_IDP_DIRECTORY_INVALID', `${path} is not valid JSON`, { cause })
  }
  return validateDirectory(parsed)
}

/** A deterministic GUID derived from its parts (service principal ids). */
export function derivedGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** The directory, indexed for the lookups the provider makes. Immutable after construction. */
export class DirectoryIndex {
  /** Every tenant, as in the directory. */
  readonly tenants: readonly TenantRecord[]
  /** Every user, with the tenant resolved to its id. */
  readonly users: readonly User[]
  /** Every app registration, with its home tenant resolved to its id. */
  readonly apps: readonly App[]
  /** Every managed identity, with its tenant resolved to its id. */
  readonly managedIdentities: readonly ManagedIdentity[]
  readonly #tenantByAlias = new Map<string, TenantRecord>()
  readonly #userByName = new Map<string, User>()
  readonly #userByOid = new Map<string, User>()
  readonly #appById = new Map<string, App>()
  readonly #resourceByAlias = new Map<string, Resource>()

  constructor(input: Directory) {
    const directory = validateDirectory(input)
    this.tenants = directory.tenants
    for (const tenant of directory.tenants) {
      for (const alias of [tenant.id, ...tenant.domains]) {
        if (this.#tenantByAlias.has(alias)) this.#fail(`tenant alias "${alias}" is used twice`)
        this.#tenantByAlias.set(alias, tenant)
      }
    }
    this.users = directory.users.map((u) => ({ ...u, tenantId: this.#tenantId(u.tenant, u.oid) }))
    for (const user of this.users) {
      const name = user.preferredUsername.toLowerCase()
      if (this.#userByName.has(name)) this.#fail(`user "${name}" is defined twice`)
      this.#userByName.set(name, user)
      this.#userByOid.set(user.oid, user)
    }
    this.apps = directory.apps.map((a) => ({
      ...a,
      homeTenantId: this.#tenantId(a.homeTenant, a.appId),
    }))
    for (const app of this.apps) {
      if (this.#appById.has(app.appId)) this.#fail(`app "${app.appId}" is defined twice`)
      this.#appById.set(app.appId, app)
    }
    this.managedIdentities = (directory.managedIdentities ?? []).map((m) => ({
      ...m,
      tenantId: this.#tenantId(m.tenant, m.clientId),
    }))
    this.#addResource(graphAsResource())
    this.#addResource({
      identifier: tokenExchangeResource.identifier,
      aliases: [tokenExchangeResource.identifier, tokenExchangeResource.appId],
      appId: tokenExchangeResource.appId,
      displayName: tokenExchangeResource.displayName,
      scopes: new Set(),
      appRoles: [],
      isGraph: false,
      preAuthorized: new Map(),
    })
    for (const app of this.apps) {
      const resource = appAsResource(app)
      if (resource) this.#addResource(resource)
    }
  }

  /** The tenant a URL segment names (GUID or verified domain, case-insensitive). */
  tenant(segment: string): TenantRecord | undefined {
    return this.#tenantByAlias.get(segment.toLowerCase())
  }

  /** The user with this sign-in name (case-insensitive), if any. */
  userByName(username: string): User | undefined {
    return this.#userByName.get(username.trim().toLowerCase())
  }

  /** The user with this object id, if any. */
  userByOid(oid: string): User | undefined {
    return this.#userByOid.get(oid)
  }

  /** The users whose home tenant is `tenantId`. */
  usersOfTenant(tenantId: string): User[] {
    return this.users.filter((u) => u.tenantId === tenantId)
  }

  /** The app registration with this application (client) id (case-insensitive), if any. */
  app(appId: string): App | undefined {
    return this.#appById.get(appId.toLowerCase())
  }

  /** Apps that can be used in a tenant: its own, and multi-tenant apps of any tenant. */
  appsForTenant(tenantId: string): App[] {
    return this.apps.filter(
      (a) => a.homeTenantId === tenantId || a.signInAudience === 'AzureADMultipleOrgs',
    )
  }

  /**
   * The managed identity a request selects: by client id, principal id or resource id, or the
   * system-assigned one when it names none.
   */
  managedIdentity(selector: ManagedIdentitySelector): ManagedIdentity | undefined {
    const { clientId, principalId, resourceId } = selector
    const lower = (v: string | undefined) => v?.toLowerCase()
    if (clientId) return this.managedIdentities.find((m) => m.clientId === lower(clientId))
    if (principalId) return this.managedIdentities.find((m) => m.principalId === lower(principalId))
    if (resourceId) {
      return this.managedIdentities.find((m) => lower(m.resourceId) === lower(resourceId))
    }
    return this.managedIdentities.find((m) => m.type === 'SystemAssigned')
  }

  /** The resource an identifier URI or app id names. */
  resource(alias: string): Resource | undefined {
    return this.#resourceByAlias.get(trimSlashes(alias).toLowerCase())
  }

  /** Roles assigned to an app (app-only) on a resource. */
  appRolesFor(clientId: string, resource: Resource): string[] {
    const app = this.app(clientId)
    const roles = new Set<string>()
    for (const assignment of app?.appRoleAssignments ?? []) {
      if (this.resource(assignment.resource) !== resource) continue
      for (const role of assignment.roles) roles.add(role)
    }
    return [...roles]
  }

  #addResource(resource: Resource): void {
    for (const alias of resource.aliases) this.#resourceByAlias.set(alias.toLowerCase(), resource)
  }

  #tenantId(alias: string, owner: string): string {
    const tenant = this.tenant(alias)
    if (!tenant) this.#fail(`"${owner}" names unknown tenant "${alias}"`)
    return tenant.id
  }

  #fail(message: string): never {
    throw new DevIdpError('DEV_IDP_DIRECTORY_INVALID', `directory: ${message}`)
  }
}

function graphAsResource(): Resource {
  return {
    identifier: graphResource.identifier,
    aliases: [graphResource.identifier, graphResource.appId],
    appId: graphResource.appId,
    displayName: graphResource.displayName,
    scopes: new Set(Object.keys(graphResource.scopes)),
    appRoles: [...graphResource.appRoles],
    isGraph: true,
    preAuthorized: new Map(),
  }
}

function appAsResource(app: App): Resource | undefined {
  const exposes = (app.scopes?.length ?? 0) > 0 || (app.appRoles?.length ?? 0) > 0
  if (!exposes && !app.identifierUris?.length) return undefined
  const identifierUris = app.identifierUris?.length ? app.identifierUris : [`api://${app.appId}`]
  const identifier = trimSlashes(identifierUris[0] ?? `api://${app.appId}`)
  return {
    identifier,
    aliases: [...identifierUris.map(trimSlashes), app.appId],
    appId: app.appId,
    displayName: app.displayName,
    scopes: new Set(app.scopes ?? []),
    appRoles: app.appRoles ?? [],
    isGraph: false,
    preAuthorized: new Map(
      (app.preAuthorizedApplications ?? []).map((p) => [p.appId.toLowerCase(), new Set(p.scopes)]),
    ),
  }
}

/** `value` without its trailing slashes; a loop, where `/\/+$/` takes quadratic time. */
function trimSlashes(value: string): string {
  let end = value.length
  while (end > 0 && value.charCodeAt(end - 1) === 47) end--
  return value.slice(0, end)
}
