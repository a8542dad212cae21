/**
 * Ids, names and secrets of the demo directory that ships as `directory.json`, so that examples
 * and tests reference them instead of copying strings. Development values, never real secrets.
 *
 * @example
 * ```ts
 * import { demo, startDevIdp } from '@idweb/dev-idp'
 * const idp = await startDevIdp({ port: 0 })
 * const authority = idp.authority(demo.tenants.contoso.domain)
 * const clientId = demo.apps.webApp.clientId
 * ```
 */
export const demo = {
  /** The two demo tenants: sign-ins from both are accepted by the multi-tenant web app. */
  tenants: {
    /** The home tenant of the apps and of Alice and Bob. */
    contoso: {
      /** The tenant id (the `tid` claim). */
      id: '10000000-0000-4000-a000-000000000001',
      /** The tenant's domain, usable in place of its id in an authority URL. */
      domain: 'contoso.example',
      /** The tenant's display name. */
      displayName: 'Contoso',
    },
    /** A second tenant, for multi-tenant tests (Carol). */
    fabrikam: {
      /** The tenant id (the `tid` claim). */
      id: '20000000-0000-4000-a000-000000000002',
      /** The tenant's domain, usable in place of its id in an authority URL. */
      domain: 'fabrikam.example',
      /** The tenant's display name. */
      displayName: 'Fabrikam',
    },
  },
  /** Demo users; each signs in with the password shown, on the dev provider only. */
  users: {
    /** Alice, a Contoso user who holds the todo API's `Todo.Admin` role. */
    alice: {
      /** The user's object id (the `oid` claim). */
      oid: '10000000-0000-4000-b000-00000000a11c',
      /** The id of the user's home tenant. */
      tenantId: '10000000-0000-4000-a000-000000000001',
      /** The sign-in name (the `preferred_username` claim). */
      username: 'alice@contoso.example',
      /** The password the dev provider's sign-in page accepts. */
      password: 'alice',
      /** The display name (the `name` claim). */
      name: 'Alice Smith',
    },
    /** Bob, a second Contoso user, for cross-account tests. */
    bob: {
      /** The user's object id (the `oid` claim). */
      oid: '10000000-0000-4000-b000-000000000b0b',
      /** The id of the user's home tenant. */
      tenantId: '10000000-0000-4000-a000-000000000001',
      /** The sign-in name (the `preferred_username` claim). */
      username: 'bob@contoso.example',
      /** The password the dev provider's sign-in page accepts. */
      password: 'bob',
      /** The display name (the `name` claim). */
      name: 'Bob Jones',
    },
    /** Carol, the Fabrikam user, for tests across tenants. */
    carol: {
      /** The user's object id (the `oid` claim). */
      oid: '20000000-0000-4000-b000-00000000ca01',
      /** The id of the user's home tenant. */
      tenantId: '20000000-0000-4000-a000-000000000002',
      /** The sign-in name (the `preferred_username` claim). */
      username: 'carol@fabrikam.example',
      /** The password the dev provider's sign-in page accepts. */
      password: 'carol',
      /** The display name (the `name` claim). */
      name: 'Carol Lee',
    },
  },
  /** The demo app registrations; ids and secrets match `directory.json`. */
  apps: {
    /** Multi-tenant confidential web app (sign-in, Graph, calls the todo API). */
    webApp: {
      /** The Application (client) ID. */
      clientId: 'a0000000-0000-4000-c000-000000000001',
      /** The client secret (dev only). */
      clientSecret: 'webapp-secret-dev-only',
      /** The registered redirect URI. */
      redirectUri: 'http://localhost:3000/signin-oidc',
      /** The registered front-channel sign-out redirect URI. */
      postLogoutRedirectUri: 'http://localhost:3000/signout-callback-oidc',
      /** Where a sign-out posts its back-channel logout token. */
      backchannelLogoutUri: 'http://localhost:3000/backchannel-logout',
      /** The front-channel logout URL the signed-out page frames. */
      frontchannelLogoutUri: 'http://localhost:3000/signout-oidc',
    },
    /** The downstream "todo" API; also a confidential client (on-behalf-of to Graph). */
    todoApi: {
      /** The Application (client) ID. */
      clientId: 'a0000000-0000-4000-c000-000000000002',
      /** The client secret (dev only). */
      clientSecret: 'todo-api-secret-dev-only',
      /** The Application ID URI, the audience of its access tokens. */
      identifierUri: 'api://a0000000-0000-4000-c000-000000000002',
      /** The delegated scope web apps ask for to call it. */
      scope: 'api://a0000000-0000-4000-c000-000000000002/access_as_user',
      /** The `.default` scope, for app-only or on-behalf-of requests. */
      defaultScope: 'api://a0000000-0000-4000-c000-000000000002/.default',
      /** The app roles it defines, by short name. */
      appRoles: {
        /** App role that reads every user's todos (granted to the daemon). */
        readAll: 'Todo.Read.All',
        /** App role for administrators (Alice holds it). */
        admin: 'Todo.Admin',
      },
    },
    /** Public client (CLI): loopback redirect, device code; pre-authorized for the todo API. */
    cli: {
      /** The Application (client) ID. */
      clientId: 'a0000000-0000-4000-c000-000000000003',
      /** The registered redirect URI. */
      redirectUri: 'http://localhost',
    },
    /**
     * Single-tenant daemon: client credentials with `Todo.Read.All` and Graph `User.Read.All`, by
     * its secret or by its certificate.
     */
    daemon: {
      /** The Application (client) ID. */
      clientId: 'a0000000-0000-4000-c000-000000000004',
      /** The client secret (dev only). */
      clientSecret: 'daemon-secret-dev-only',
      /**
       * SHA-1 thumbprint (hex, as the Entra portal shows it) of its registered certificate (dev
       * only), whose private key `examples/daemon/dev-only-daemon.pem` holds.
       */
      certificateThumbprint: '48983B1C7E163D029394E12B0B8ACEAC9A35CF04',
    },
  },
  /** The Microsoft Graph resource the dev provider imitates (its `/me` endpoint). */
  graph: {
    /** Microsoft Graph's well-known application id. */
    appId: '00000003-0000-0000-c000-000000000000',
    /** The Graph resource URL, the audience of Graph tokens. */
    resource: 'https://graph.microsoft.com',
    /** The `.default` scope for Graph: every permission granted to the app. */
    defaultScope: 'https://graph.microsoft.com/.default',
  },
} as const
