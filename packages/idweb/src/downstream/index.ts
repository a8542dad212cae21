/**
 * Calling downstream APIs with idweb's tokens: the configured named APIs, Microsoft Graph, and
 * Azure SDK clients. The Graph SDK client factory lives in `graph-client.ts`, apart, because it
 * loads an optional peer dependency.
 *
 * @example
 * ```ts
 * const downstream = createDownstreamApis({ apis: config.downstreamApis, acquirer })
 * const todos = await downstream.call<Todo[]>('TodoApi', user)
 * ```
 */
export { createDownstreamApis } from './downstream-apis.ts'
export { DownstreamApiError } from './errors.ts'
export {
  type GraphAuthenticationProvider,
  type GraphAuthenticationProviderOptions,
  graphAuthProvider,
} from './graph-auth-provider.ts'
export {
  type AzureAccessToken,
  type AzureGetTokenOptions,
  type AzureTokenCredential,
  tokenCredential,
} from './token-credential.ts'
export { type TokenGetter, type TokenRequestOptions, tokenGetter } from './token-getter.ts'
export type { CallApiOptions, CreateDownstreamApisOptions, DownstreamApis } from './types.ts'
