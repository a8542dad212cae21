// The idweb instance behind every framework's idweb app: one configuration, so that the adapters
// are all that differs between them. Its session secret is also the peers' session secret.
import { createIdweb, type Idweb } from 'idweb'
import { type AppRegistration, SCOPE } from './kinds.ts'

export const SECRET = 'bench-session-secret-0123456789-abcdefghijkl'

/** idweb signing in as `reg` at the dev IdP at `idpUrl`, its discovery fetched. */
export async function benchIdweb(reg: AppRegistration, idpUrl: string): Promise<Idweb> {
  const idweb = createIdweb(
    {
      instance: `${idpUrl}/`,
      tenantId: reg.tenantId,
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      initialScopes: [SCOPE],
      session: { secrets: [SECRET] },
    },
    { env: {} },
  )
  await idweb.ready()
  return idweb
}
