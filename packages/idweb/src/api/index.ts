/**
 * idweb's protected web API side (`idweb/api`): framework-neutral bearer-token validation on Web
 * `Request`, scope and app-role checks, and RFC 6750 error responses.
 *
 * @example
 * ```ts
 * import { createBearerValidator, requireScopes, toErrorResponse } from 'idweb/api'
 *
 * const validator = createBearerValidator({
 *   discoveryUrl: `https://login.microsoftonline.com/${tenantId}/v2.0/.well-known/openid-configuration`,
 *   clientId,
 * })
 *
 * async function handle(request: Request): Promise<Response> {
 *   try {
 *     const principal = await validator.authenticate(request)
 *     requireScopes(principal, ['Todo.Read'])
 *     return Response.json({ oid: principal.oid })
 *   } catch (err) {
 *     return toErrorResponse(err, { realm: 'todo-api' })
 *   }
 * }
 * ```
 *
 * @packageDocumentation
 */
export type { HeaderSource } from './authorization-header.ts'
export {
  type RequireOptions,
  requireRoles,
  requireScopeOrAppPermission,
  requireScopes,
} from './authorize.ts'
export {
  BearerError,
  type BearerErrorCode,
  type BearerErrorDetails,
  type BearerFailureReason,
} from './bearer-error.ts'
export { toErrorResponse } from './error-response.ts'
export { interactionAnswer } from './interaction-answer.ts'
export type { FetchLike } from './limited-fetch.ts'
export {
  type AsymmetricAlgorithm,
  type BearerValidatorOptions,
  DEFAULT_ALGORITHMS,
} from './options.ts'
export type { ApiPrincipal } from './principal.ts'
export type { Claims } from './token-checks.ts'
export { type BearerValidator, createBearerValidator } from './validator.ts'
export { type ChallengeOptions, wwwAuthenticate } from './www-authenticate.ts'
