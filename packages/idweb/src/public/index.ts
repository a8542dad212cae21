/**
 * The public client: a desktop app, CLI or script that signs one user in (browser on a loopback
 * redirect, or device code) and keeps the tokens in a file shared with other processes and with
 * MSAL's persistence extensions.
 *
 * @example
 * ```ts
 * import { createPublicClient } from 'idweb/public'
 *
 * const client = createPublicClient({ tenantId: 'organizations', clientId })
 * const token = await client
 *   .acquireTokenSilent({ scopes: ['User.Read'] })
 *   .catch(() => client.acquireTokenInteractive({ scopes: ['User.Read'] }))
 * ```
 *
 * @module
 */
export type { DeviceCode } from '../protocol/device.ts'
export { CacheFile, type CacheFileOptions } from './cache-file.ts'
export { defaultCachePath } from './cache-settings.ts'
export { type CacheFileLock, type CacheFileLockOptions, lockCacheFile } from './file-lock.ts'
export { type LoopbackOptions, type LoopbackRedirect, listenOnLoopback } from './loopback.ts'
export { openSystemBrowser } from './open-browser.ts'
export {
  createPublicClient,
  type PublicAccount,
  PublicClient,
  type PublicClientDependencies,
  type PublicToken,
  type SilentOptions,
} from './public-client.ts'
export type { DeviceCodeOptions, InteractiveOptions } from './sign-in-flows.ts'
