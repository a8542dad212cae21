// The apps of the HTTP benchmark and what they answer, shared by the runner and the servers: per
// framework a bare route and the same route behind idweb's adapter, plus Express's two peers.

export const FRAMEWORKS = ['express', 'fastify', 'hono'] as const
export type Framework = (typeof FRAMEWORKS)[number]

export type AppKind =
  | `${Framework}-bare`
  | `${Framework}-idweb`
  | 'express-openid-connect'
  | 'msal-node'

/** Every app, grouped by framework: its bare route first, then idweb, then the peers. */
export const APP_KINDS: readonly AppKind[] = [
  'express-bare',
  'express-idweb',
  'express-openid-connect',
  'msal-node',
  'fastify-bare',
  'fastify-idweb',
  'hono-bare',
  'hono-idweb',
]

export const FRAMEWORK_LABEL: Readonly<Record<Framework, string>> = {
  express: 'Express 5',
  fastify: 'Fastify 5',
  hono: 'Hono 4 on @hono/node-server',
}

export function frameworkOf(kind: AppKind): Framework {
  if (kind.startsWith('fastify-')) return 'fastify'
  if (kind.startsWith('hono-')) return 'hono'
  return 'express'
}

export const bareKind = (framework: Framework): AppKind => `${framework}-bare`
export const idwebKind = (framework: Framework): AppKind => `${framework}-idweb`
export const isBare = (kind: AppKind): boolean => kind.endsWith('-bare')
export const isIdweb = (kind: AppKind): boolean => kind.endsWith('-idweb')

/** Where each app starts a sign-in; every app's callback is the registered `/signin-oidc`. */
export const SIGN_IN_PATH: Readonly<Record<AppKind, string | undefined>> = {
  'express-bare': undefined,
  'express-idweb': '/signin',
  'express-openid-connect': '/signin',
  'msal-node': '/auth/signin',
  'fastify-bare': undefined,
  'fastify-idweb': '/signin',
  'hono-bare': undefined,
  'hono-idweb': '/signin',
}

export const SCOPE = 'User.Read'
export const BARE_ANSWER = Object.freeze({ name: 'Alice Smith', token: 'a'.repeat(1400) })

/** The app registration every benchmark app signs in as (the dev IdP's demo web app). */
export interface AppRegistration {
  tenantId: string
  clientId: string
  clientSecret: string
}
