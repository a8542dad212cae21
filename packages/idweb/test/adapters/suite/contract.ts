// What every contract app shares, whatever its framework or runtime: the setup it is built from
// (plain data, so another process can receive it), the idweb and bearer validator built from that
// setup, the claims challenge one of its routes raises and the secret detail its failing route
// must never show.
import { type BearerValidator, createBearerValidator } from '../../../src/api/index.ts'
import { InteractionRequiredError } from '../../../src/errors.ts'
import { createIdweb, type Idweb } from '../../../src/index.ts'

export const CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'
export const SECRET_DETAIL = 'db password hunter2 at /srv/app/secret.js'

export const claimsChallenge = () =>
  new InteractionRequiredError('claims_challenge', ['User.Read'], { claims: CLAIMS })

/** What a mount needs to build its idweb and validator: JSON-safe, for a mount in another runtime. */
export interface SuiteSetup {
  /** The development provider, `http://localhost:<port>`. */
  readonly idpUrl: string
  readonly tenantId: string
  /** The web app registered at the development provider. */
  readonly clientId: string
  readonly clientSecret: string
  readonly sessionSecret: string
  /** The test issuer's discovery document, for the bearer API. */
  readonly discoveryUrl: string
  /** The audience the bearer API expects. */
  readonly apiClientId: string
  /** With an https provider: the file of its local CA, for the app to trust (NODE_EXTRA_CA_CERTS). */
  readonly caFile?: string
}

export interface ContractParts {
  readonly idweb: Idweb
  readonly validator: BearerValidator
}

/** The idweb and bearer validator of every contract app, in this process or another runtime. */
export function contractParts(setup: SuiteSetup): ContractParts {
  const idweb = createIdweb(
    {
      instance: `${setup.idpUrl}/`,
      tenantId: setup.tenantId,
      clientId: setup.clientId,
      clientSecret: setup.clientSecret,
      allowInsecureHttp: true,
      initialScopes: ['User.Read'],
      session: { secrets: [setup.sessionSecret] },
      downstreamApis: { Graph: { baseUrl: `${setup.idpUrl}/graph/v1.0`, scopes: ['User.Read'] } },
    },
    { env: {} },
  )
  const validator = createBearerValidator({
    discoveryUrl: setup.discoveryUrl,
    clientId: setup.apiClientId,
  })
  return { idweb, validator }
}

/** What a contract app in another runtime prints on stdout once it listens, before its port. */
export const LISTENING = 'idweb contract app listening on port '
