/**
 * The session layer: encrypted cookie sessions (JWE `dir`/`A256GCM`, HKDF-derived keys, secret
 * rotation, chunking, rolling and absolute lifetimes), an optional server-side store, and sign-in
 * transaction cookies. Framework-neutral: it reads Web `Request` headers and returns `Set-Cookie`
 * values.
 *
 * @example
 * ```ts
 * import { createSessionManager } from 'idweb'
 *
 * const sessions = createSessionManager({ secrets: [process.env.SESSION_SECRET ?? ''] })
 * const session = await sessions.read(request)
 * ```
 */
export { CHUNK_VALUE_LENGTH } from './chunks.ts'
export {
  type CookieAttributes,
  cookieSecure,
  isCookieName,
  isCookieValue,
  isPlainHttpLoopback,
  MAX_COOKIE_HEADER_LENGTH,
  MAX_COOKIES,
  type ParsedCookies,
  parseCookieHeader,
  serializeCookie,
} from './cookies.ts'
export { MIN_SECRET_LENGTH, type SessionSecret } from './keys.ts'
export { createSessionManager, type SessionManager, type Touched } from './manager.ts'
export {
  type RevocationStore,
  SessionRevocations,
  type SessionRevocationsOptions,
} from './revocations.ts'
export type {
  SessionData,
  SessionOptions,
  SessionRequest,
  SessionStore,
  SessionUser,
  TransactionData,
} from './types.ts'
