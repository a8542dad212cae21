import type Provider from 'oidc-provider'
import type { ConsentStore } from './consent.ts'
import type { DirectoryIndex } from './directory/index.ts'
import type { GrantLog } from './grant-log.ts'
import type { SigningKeys } from './keys.ts'
import type { ResolvedOptions } from './options.ts'
import type { ArtifactStore } from './provider/adapter.ts'

/** Everything a running provider shares between its tenants and endpoints. */
export interface IdpContext {
  readonly index: DirectoryIndex
  readonly options: ResolvedOptions
  readonly consents: ConsentStore
  readonly store: ArtifactStore
  readonly keys: SigningKeys
  readonly grants: GrantLog
  /** `http://localhost:4000`, known once the server listens. */
  origin: string
  /**
   * Random per process: stands in for the client's secret once a federated assertion was checked
   * (see `http/federated.ts`); it never leaves the process.
   */
  readonly federationSecret: string
  /** What the managed identity endpoint expects in `X-IDENTITY-HEADER` (`IDENTITY_HEADER`). */
  readonly identityHeader: string
  /** tenant id → its oidc-provider instance. */
  readonly providers: Map<string, Provider>
}

/** `{origin}/{tenantId}/v2.0` */
export function issuerOf(ctx: IdpContext, tenantId: string): string {
  return `${ctx.origin}/${tenantId}/v2.0`
}
