// The apps of the HTTP benchmark and what they answer, shared by the runner and the servers.

export type AppKind = 'bare' | 'idweb' | 'express-openid-connect' | 'msal-node'

export const APP_KINDS: readonly AppKind[] = [
  'bare',
  'idweb',
  'express-openid-connect',
  'msal-node',
]

/** Where each app starts a sign-in; every app's callback is the registered `/signin-oidc`. */
export const SIGN_IN_PATH: Readonly<Record<AppKind, string | undefined>> = {
  bare: undefined,
  idweb: '/signin',
  'express-openid-connect': '/signin',
  'msal-node': '/auth/signin',
}

export const SCOPE = 'User.Read'
export const BARE_ANSWER = Object.freeze({ name: 'Alice Smith', token: 'a'.repeat(1400) })

/** The app registration every benchmark app signs in as (the dev IdP's demo web app). */
export interface AppRegistration {
  tenantId: string
  clientId: string
  clientSecret: string
}
