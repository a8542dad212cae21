/** An access token as the Azure SDK expects it (`@azure/core-auth`'s `AccessToken`). */
export interface AzureAccessToken {
  /** The access token itself. */
  token: string
  /** Epoch milliseconds. */
  expiresOnTimestamp: number
  /** The scheme the token is sent with; idweb's are `Bearer`. */
  tokenType?: 'Bearer' | 'pop'
}

/** The options the Azure SDK passes to `getToken` (the fields idweb reads). */
export interface AzureGetTokenOptions {
  /** A claims challenge (JSON) the SDK received from a service (CAE). */
  claims?: string
  /** A tenant the SDK asks a token for (multi-tenant clients); idweb uses the account's own. */
  tenantId?: string
  /** Aborts the token request. */
  abortSignal?: AbortSignal
}

/**
 * An Azure SDK `TokenCredential`, structurally (so the core does not depend on `@azure/core-auth`).
 */
export interface AzureTokenCredential {
  /** Returns a token for `scopes` (Azure SDK form), `null` when none can be had silently. */
  getToken(
    scopes: string | string[],
    options?: AzureGetTokenOptions,
  ): Promise<AzureAccessToken | null>
}

/**
 * Wraps a token getter as an Azure SDK `TokenCredential` (Identity.Web's
 * `MicrosoftIdentityTokenCredential`), so Azure SDK clients (Storage, Key Vault, ...) call with
 * tokens from idweb's cache. A claims challenge the SDK forwards (`options.claims`) is passed to the
 * getter, which for a user may raise `IDW_INTERACTION_REQUIRED`.
 *
 * @example
 * ```ts
 * import { BlobServiceClient } from '@azure/storage-blob'
 *
 * const credential = tokenCredential(tokenGetter(acquirer, user))
 * const blobs = new BlobServiceClient('https://contoso.blob.core.windows.net', credential)
 * ```
 */
export function tokenCredential(
  getToken: (
    scopes: readonly string[],
    options?: { claims?: string | undefined },
  ) => Promise<{ accessToken: string; expiresOn: Date; tokenType?: string }>,
): AzureTokenCredential {
  return {
    async getToken(scopes, options) {
      const list = (Array.isArray(scopes) ? scopes : [scopes]).filter((s) => s !== '')
      if (list.length === 0) throw new TypeError('getToken needs at least one scope.')
      options?.abortSignal?.throwIfAborted()
      const token = await getToken(list, options?.claims ? { claims: options.claims } : undefined)
      return {
        token: token.accessToken,
        expiresOnTimestamp: token.expiresOn.getTime(),
        tokenType: token.tokenType?.toLowerCase() === 'pop' ? 'pop' : 'Bearer',
      }
    },
  }
}
