import { AsyncLocalStorage } from 'node:async_hooks'
import type { IncomingMessage } from 'node:http'
import type { KoaContextWithOIDC } from 'oidc-provider'

const storage = new AsyncLocalStorage<KoaContextWithOIDC>()

/** Runs the rest of a provider request with its Koa context reachable from model hooks. */
export function withRequestContext<T>(ctx: KoaContextWithOIDC, fn: () => Promise<T>): Promise<T> {
  return storage.run(ctx, fn)
}

/** The Koa context of the provider request being handled, if any. */
export function currentRequestContext(): KoaContextWithOIDC | undefined {
  return storage.getStore()
}

/**
 * The token requests whose federated assertion the router checked and replaced by the federation
 * secret: the only requests on which that secret authenticates a client.
 */
export const federatedRequests = new WeakSet<IncomingMessage>()
