/**
 * The shape of the directory the development provider serves: tenants, users and app
 * registrations, as a JSON file or an object passed to `startDevIdp({ directory })`.
 *
 * @example
 * ```json
 * {
 *   "tenants": [{ "id": "10000000-0000-4000-a000-000000000001", "displayName": "Contoso", "domains": ["contoso.example"] }],
 *   "users": [{ "oid": "…", "tenant": "contoso.example", "name": "Alice Smith",
 *               "preferredUsername": "alice@contoso.example", "password": "alice" }],
 *   "apps": [{ "appId": "…", "displayName": "Web app", "homeTenant": "contoso.example",
 *              "signInAudience": "AzureADMultipleOrgs", "secrets": ["…"],
 *              "redirectUris": ["http://localhost:3000/signin-oidc"] }]
 * }
 * ```
 */
export interface Directory {
  /** The tenants; every user and app names its tenant by id or verified domain. */
  tenants: TenantRecord[]
  /** The user accounts, of all tenants. */
  users: UserRecord[]
  /** The app registrations, of all tenants. */
  apps: AppRegistration[]
  /**
   * Managed identities (service principals of Azure resources). The provider's managed identity
   * endpoint (`/msi/token`, App Service's protocol) issues their tokens.
   */
  managedIdentities?: ManagedIdentityRecord[]
}

/**
 * A managed identity: the identity an Azure host (App Service, a VM, AKS) gives the code it runs.
 * Its tokens come from the host's identity endpoint, never from a secret the code holds.
 */
export interface ManagedIdentityRecord {
  /** The identity's client id (GUID), the `azp` of its tokens; names a user-assigned identity. */
  clientId: string
  /** The service principal's object id (GUID): the `oid` and `sub` of its tokens. */
  principalId: string
  /** Its tenant: id or verified domain. */
  tenant: string
  /** A name for logs and errors. */
  displayName: string
  /**
   * `SystemAssigned` (the host's own identity, used when a request names none) or `UserAssigned`
   * (default; chosen by `client_id`, `principal_id` or `mi_res_id`). At most one is system-assigned.
   */
  type?: 'SystemAssigned' | 'UserAssigned'
  /** The Azure resource id (`/subscriptions/…`), the `xms_mirid` claim and the `mi_res_id` selector. */
  resourceId?: string
}

/**
 * A federated identity credential of an app registration (Entra's shape): the app accepts, as its
 * client assertion, a token from `issuer` about `subject` for one of `audiences`.
 */
export interface FederatedIdentityCredential {
  /** A name, unique in the app. */
  name: string
  /**
   * The issuer, exactly as the token's `iss`. `{origin}` stands for this provider's own origin, so
   * `{origin}/{tenantId}/v2.0` trusts its managed identities. Other issuers' keys are found through
   * their OpenID discovery document.
   */
  issuer: string
  /** The token's `sub`, exactly (for a managed identity: its principal id). */
  subject: string
  /** Accepted `aud` values; Entra's default is `api://AzureADTokenExchange`. */
  audiences: string[]
  /** Free text. */
  description?: string
}

/** A Microsoft Entra tenant (directory). */
export interface TenantRecord {
  /** The tenant id (GUID); the issuer is `{origin}/{id}/v2.0`. */
  id: string
  /** The tenant's display name, shown on the sign-in page. */
  displayName: string
  /** Verified domains; each one is an alias of the tenant in URLs (`/{domain}/oauth2/v2.0/…`). */
  domains: string[]
}

/** A user account of one tenant. */
export interface UserRecord {
  /** Object id (GUID), the `oid` claim. */
  oid: string
  /** Home tenant: its id or one of its verified domains. */
  tenant: string
  /** Display name, the `name` claim. */
  name: string
  /** Given name, the `given_name` optional claim. */
  givenName?: string
  /** Surname, the `family_name` optional claim. */
  surname?: string
  /** User principal name, the `preferred_username` claim and the sign-in name. */
  preferredUsername: string
  /** Mail address; defaults to {@link UserRecord.preferredUsername}. */
  email?: string
  /** The password the login page accepts. Development only. */
  password: string
  /** App roles assigned to the user, keyed by the app id of the app that defines them. */
  roles?: Record<string, string[]>
  /** Group object ids, the `groups` claim. */
  groups?: string[]
}

/** `AzureADMyOrg` = single tenant; `AzureADMultipleOrgs` = any tenant of this directory. */
export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs'

/** An app role an API defines. */
export interface AppRole {
  /** The value that appears in the `roles` claim, e.g. `Todo.Read.All`. */
  value: string
  /** A human-readable name, shown on the consent page. */
  displayName?: string
  /** Who can be assigned the role; both by default. */
  allowedMemberTypes?: Array<'User' | 'Application'>
}

/** An app that may call this API without user consent for the given scopes. */
export interface PreAuthorizedApplication {
  /** The client's application (client) id. */
  appId: string
  /** Scope names (without the resource prefix), e.g. `access_as_user`. */
  scopes: string[]
}

/** The app-only permissions (app roles) an app was granted on an API. */
export interface AppRoleAssignment {
  /** The API: its app id, or an identifier URI (`api://…`, `https://graph.microsoft.com`). */
  resource: string
  /** The granted role values, e.g. `Todo.Read.All`. */
  roles: string[]
}

/**
 * One optional claim of an app registration, in the shape of Entra's app manifest
 * (`{ "name": "given_name" }`). `source`, `essential` and `additionalProperties` are accepted and
 * ignored.
 */
export interface OptionalClaim {
  /** `given_name`, `family_name`, `groups`, `email` (ID tokens); `idtyp`, `groups`, `given_name`, `family_name` (access tokens). */
  name: string
  /** Accepted for Entra manifest compatibility; ignored. */
  source?: string | null
  /** Accepted for Entra manifest compatibility; ignored. */
  essential?: boolean
  /** Accepted for Entra manifest compatibility; ignored. */
  additionalProperties?: string[]
}

/** The optional claims of an app registration, per token type (Entra's `optionalClaims`). */
export interface OptionalClaims {
  /** Claims added to the ID tokens this app receives when users sign in to it. */
  idToken?: OptionalClaim[]
  /** Claims added to the access tokens issued for this app as an API. */
  accessToken?: OptionalClaim[]
  /** Accepted for manifests copied from Entra and ignored (no SAML here). */
  saml2Token?: OptionalClaim[]
}

/**
 * Entra's switch for the `groups` claim in the ID tokens of the app and the access tokens for it.
 * `SecurityGroup` and `All` both emit every group of the user (they are all security groups here).
 */
export type GroupMembershipClaims = 'None' | 'SecurityGroup' | 'All'

/** An app registration (application object plus its service principal in every tenant). */
export interface AppRegistration {
  /** Application (client) id, a GUID. */
  appId: string
  /** The app's display name, shown on the consent page. */
  displayName: string
  /** The tenant that owns the registration: id or verified domain. */
  homeTenant: string
  /** Which tenants' users may sign in to the app. */
  signInAudience: SignInAudience
  /** Client secrets. A confidential client has at least one secret or certificate. */
  secrets?: string[]
  /** Certificates (PEM `CERTIFICATE` or `PUBLIC KEY`) for `private_key_jwt` client assertions. */
  certificates?: string[]
  /** Redirect URIs the app may send users back to after sign-in; matched exactly. */
  redirectUris?: string[]
  /** URIs the app may send users to after sign-out; matched exactly. */
  postLogoutRedirectUris?: string[]
  /**
   * Where a sign-out posts an OpenID Connect back-channel logout token (naming the session's
   * `sid`), server to server. Not an Entra setting: Entra sends front-channel logout only.
   */
  backchannelLogoutUri?: string
  /**
   * Entra's "Front-channel logout URL": loaded in an iframe of the sign-out page with `iss` and
   * `sid`, for every app the browser's session signed in to.
   */
  frontchannelLogoutUri?: string
  /** "Allow public client flows": no client secret, PKCE required, device code allowed. */
  publicClient?: boolean
  /** Identifier URIs of the API; defaults to `api://{appId}` when the app exposes scopes or roles. */
  identifierUris?: string[]
  /** Delegated permissions the app exposes, e.g. `access_as_user` (`api://{appId}/access_as_user`). */
  scopes?: string[]
  /** App roles the app defines. */
  appRoles?: AppRole[]
  /** Client apps pre-authorized to call this API: their users never see consent for these scopes. */
  preAuthorizedApplications?: PreAuthorizedApplication[]
  /** App roles granted to this app on other APIs (the `roles` of its client-credentials tokens). */
  appRoleAssignments?: AppRoleAssignment[]
  /**
   * Delegated permissions an administrator consented to for every user, as full scope strings
   * (`https://graph.microsoft.com/User.Read`, `api://…/access_as_user`).
   */
  adminConsentedScopes?: string[]
  /**
   * Delegated permissions this app needs downstream, as a middle tier (on-behalf-of), as full
   * scope strings (`https://graph.microsoft.com/User.Read`): the delegated part of Entra's
   * `requiredResourceAccess`. With {@link AppRegistration.knownClientApplications}, users consent
   * to them when they consent to a known client.
   */
  requiredScopes?: string[]
  /**
   * Client apps whose users' consent also covers this API's {@link AppRegistration.requiredScopes}
   * (Entra's combined consent): when such a client asks for this API's scopes and the user
   * consents, the API's own downstream permissions are consented too, on one page.
   */
  knownClientApplications?: string[]
  /** Optional claims (off by default, as in Entra): `given_name`, `family_name`, `groups`, `idtyp`. */
  optionalClaims?: OptionalClaims
  /** Whether tokens carry the user's `groups`; `None` (or absent, or `null`) by default. */
  groupMembershipClaims?: GroupMembershipClaims | null
  /** Federated identity credentials: external tokens (e.g. a managed identity's) this app accepts as its assertion. */
  federatedIdentityCredentials?: FederatedIdentityCredential[]
}
