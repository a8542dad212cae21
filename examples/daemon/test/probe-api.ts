// A second protected API for the tests, validated by idweb's API side exactly as the todo API is
// (same audience, same discovery), that answers what it saw in the caller's token.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { demo } from '@idweb/dev-idp'
import { createBearerValidator } from 'idweb/api'

/** The claims the probe reports about each token it accepted. */
export interface Seen {
  scp: unknown
  roles: unknown
  /** How the client authenticated: `1` a secret, `2` a certificate (Entra's `azpacr`). */
  azpacr: unknown
  azp: unknown
  isAppOnly: boolean
}

export interface ProbeApi {
  readonly url: string
  /** Every request that reached it, accepted or not. */
  readonly requests: number
  close(): Promise<void>
}

export async function startProbeApi(idpUrl: string): Promise<ProbeApi> {
  const validator = createBearerValidator({
    discoveryUrl: `${idpUrl}/${demo.tenants.contoso.id}/v2.0/.well-known/openid-configuration`,
    clientId: demo.apps.todoApi.clientId,
  })
  let requests = 0
  const server: Server = createServer((req, res) => {
    requests++
    validator.authenticate(req.headersDistinct).then(
      (principal) => {
        const { scp, roles, azpacr, azp } = principal.claims
        const seen: Seen = { scp, roles, azpacr, azp, isAppOnly: principal.isAppOnly }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen))
      },
      () => res.writeHead(401).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
