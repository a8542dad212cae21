/**
 * idweb for the Next.js App Router (`idweb/next`), on the Node.js runtime: route handlers for the
 * sign-in routes, `getIdentity()` and `getToken()` for Server Components and Server Actions,
 * `withIdentity()` and `requireBearer()` for route handlers. The session check for
 * `middleware.ts` on the edge runtime is `idweb/next/edge`.
 *
 * Tokens live in idweb's server-side token cache, and the session cookie holds only the session:
 * a token refresh in a Server Component needs no `Set-Cookie`, which Server Components cannot
 * send.
 *
 * @example
 * ```ts
 * // lib/auth.ts: one instance per process
 * import { headers } from 'next/headers'
 * import { createIdweb, loadAppSettings } from 'idweb'
 * import { nextIdweb } from 'idweb/next'
 *
 * export const auth = nextIdweb(() => createIdweb(loadAppSettings('appsettings.json')), {
 *   headers,
 * })
 *
 * // app/signin/route.ts (and signin-oidc, signout, signout-callback-oidc)
 * export const { GET, POST, PUT, PATCH, DELETE } = auth.handlers
 *
 * // app/profile/page.tsx
 * export default async function Profile() {
 *   const me = await auth.getIdentity()
 *   if (!me.user) redirect('/signin?returnTo=/profile')
 *   const profile = await me.callApi<{ displayName: string }>('Graph', { relativePath: 'me' })
 *   return <p>{profile.displayName}</p>
 * }
 * ```
 *
 * @packageDocumentation
 */

export type { RequireBearerOptions } from '../shared/answers.ts'
export type { RequestIdentity } from '../shared/identity.ts'
export {
  type HeaderSource,
  type NextIdweb,
  type NextIdwebOptions,
  nextIdweb,
  type RouteHandler,
  requireBearer,
  type WithIdentityOptions,
} from './server.ts'
