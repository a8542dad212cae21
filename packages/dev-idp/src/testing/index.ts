/**
 * Helpers for tests that play the browser against the development provider over HTTP.
 *
 * @example
 * ```ts
 * import { CookieJar, signInInteractively } from '@idweb/dev-idp/testing'
 * const result = await signInInteractively(authorizeUrl, { username: 'alice@contoso.example', password: 'alice' })
 * ```
 */
export {
  type CertificateAndKey,
  type CertificateOptions,
  createCertificate,
} from '../https/x509.ts'
export {
  completeDeviceCode,
  type JarFetch,
  jarFetch,
  type SignInOptions,
  type SignInResult,
  signInInteractively,
  signOut,
} from './browser.ts'
export { CookieJar } from './cookie-jar.ts'
export { type ParsedForm, parseForms } from './html-form.ts'
export { type ProviderSigningKey, providerSigningKey } from './signing.ts'
