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
  tenants: {
    contoso: {
      id: '10000000-0000-4000-a000-000000000001',
      domain: 'contoso.example',
      displayName: 'Contoso',
    },
    fabrikam: {
      id: '20000000-0000-4000-a000-000000000002',
      domain: 'fabrikam.example',
      displayName: 'Fabrikam',
    },
  },
  users: {
    alice: {
      oid: '10000000-0000-4000-b000-00000000a11c',
      tenantId: '10000000-0000-4000-a000-000000000001',
      username: 'alice@contoso.example',
      password: 'alice',
      name: 'Alice Smith',
    },
    bob: {
      oid: '10000000-0000-4000-b000-000000000b0b',
      tenantId: '10000000-0000-4000-a000-000000000001',
      username: 'bob@contoso.example',
      password: 'bob',
      name: 'Bob Jones',
    },
    carol: {
      oid: '20000000-0000-4000-b000-00000000ca01',
      tenantId: '20000000-0000-4000-a000-000000000002',
      username: 'carol@fabrikam.example',
      password: 'carol',
      name: 'Carol Lee',
    },
  },
  apps: {
    /** Multi-tenant confidential web app (sign-in, Graph, calls the todo API). */
    webApp: {
      clientId: 'a0000000-0000-4000-c000-000000000001',
      clientSecret: 'webapp-secret-dev-only',
      redirectUri: 'http://localhost:3000/signin-oidc',
      postLogoutRedirectUri: 'http://localhost:3000/signout-callback-oidc',
    },
    /** The downstream "todo" API; also a confidential client (on-behalf-of to Graph). */
    todoApi: {
      clientId: 'a0000000-0000-4000-c000-000000000002',
      clientSecret: 'todo-api-secret-dev-only',
      identifierUri: 'api://a0000000-0000-4000-c000-000000000002',
      scope: 'api://a0000000-0000-4000-c000-000000000002/access_as_user',
      defaultScope: 'api://a0000000-0000-4000-c000-000000000002/.default',
      appRoles: { readAll: 'Todo.Read.All', admin: 'Todo.Admin' },
    },
    /** Public client (CLI): loopback redirect, device code; pre-authorized for the todo API. */
    cli: {
      clientId: 'a0000000-0000-4000-c000-000000000003',
      redirectUri: 'http://localhost',
    },
    /** Single-tenant daemon: client credentials with `Todo.Read.All` and Graph `User.Read.All`. */
    daemon: {
      clientId: 'a0000000-0000-4000-c000-000000000004',
      clientSecret: 'daemon-secret-dev-only',
    },
  },
  graph: {
    appId: '00000003-0000-0000-c000-000000000000',
    resource: 'https://graph.microsoft.com',
    defaultScope: 'https://graph.microsoft.com/.default',
  },
} as const
