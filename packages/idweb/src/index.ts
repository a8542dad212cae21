/**
 * idweb: the identity layer for Node.js web apps that sign users in and call web APIs.
 *
 * @example
 * ```ts
 * import { createIdweb, loadAppSettings } from 'idweb'
 *
 * const idweb = createIdweb(loadAppSettings('appsettings.json'))
 * const response = (await idweb.handle(request)) ?? (await app(request))
 * ```
 */
export {
  type AcquiredToken,
  TokenAcquirer,
  type TokenAcquirerOptions,
  type UserAccount,
  type UserTokenOptions,
} from './acquisition/acquirer.ts'
export {
  type Authority,
  type AuthorityKind,
  b2cAuthority,
  type ExpectedIssuer,
  entraAuthority,
  oidcAuthority,
  parseAuthority,
} from './authority/authority.ts'
export { DiscoveryCache, type DiscoveryCacheOptions } from './authority/discovery.ts'
export { expectedIssuerFor, validateIssuer } from './authority/issuer.ts'
export * from './cache/index.ts'
export { type LoadAppSettingsOptions, loadAppSettings } from './config/app-settings.ts'
export type {
  DownstreamApiOptions,
  IdwebOptions,
  ProviderOptions,
  SessionOptions as IdwebSessionOptions,
  TokenCacheSettings,
} from './config/options.ts'
export { type ResolveConfigOptions, resolveConfig } from './config/resolve-config.ts'
export type { ResolvedConfig, ResolvedDownstreamApi } from './config/resolved-config.ts'
export {
  type ClientCredential,
  createClientCredential,
} from './credentials/client-credential.ts'
export type { CredentialDescription, ResolvedCredential } from './credentials/descriptions.ts'
export { resolveCredential } from './credentials/resolve-credential.ts'
export { signedAssertionFromFile } from './credentials/signed-assertion.ts'
export {
  type AppTokenOptions,
  createDaemon,
  type Daemon,
  type DaemonDependencies,
} from './daemon/daemon.ts'
export * from './downstream/index.ts'
export * from './errors.ts'
export { consoleLogger, type LogFields, type Logger, redactId, silentLogger } from './logger.ts'
export * from './session/index.ts'
export type { SignedInUser } from './web/context.ts'
export {
  createIdweb,
  type Idweb,
  type IdwebDependencies,
  type ReadyOptions,
} from './web/idweb.ts'
export { safeReturnTo } from './web/return-to.ts'
export type { ChallengeOptions } from './web/sign-in.ts'
export type { Authentication } from './web/user.ts'
