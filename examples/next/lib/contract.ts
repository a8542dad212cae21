// The web suite's contract routes (packages/idweb/test/adapters/suite), answered only when
// IDWEB_CONTRACT_ROUTES=1: the suite runs them against this app's production build, as it runs
// them against every other adapter. Anywhere else they are a plain 404.
import { InteractionRequiredError } from 'idweb'
import { createBearerValidator } from 'idweb/api'
import { requireBearer } from 'idweb/next'
import { auth } from './auth'

const CLAIMS = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}'
const enabled = process.env.IDWEB_CONTRACT_ROUTES === '1'

type Handler = (request: Request, context: unknown) => Promise<Response>

function bearerRoute(): Handler {
  const validator = createBearerValidator({
    discoveryUrl: process.env.IDWEB_CONTRACT_DISCOVERY_URL ?? '',
    clientId: process.env.IDWEB_CONTRACT_API_CLIENT_ID ?? '',
  })
  return requireBearer(validator, { scopes: ['Todo.Read'], realm: 'todo-api' }, (_r, who) =>
    Response.json({ oid: who.oid }),
  )
}

const routes: Record<string, Handler> = enabled
  ? {
      whoami: auth.withIdentity((_r, identity) =>
        Response.json({ name: identity.claims.name ?? null }),
      ),
      me: auth.withIdentity(
        (_r, identity) =>
          Response.json({
            name: identity.claims.name,
            username: identity.user?.account.username,
          }),
        { requireUser: true },
      ),
      graph: auth.withIdentity(
        async (_r, identity) =>
          Response.json(await identity.callApi('Graph', { relativePath: 'me' })),
        { requireUser: true, scopes: ['User.Read'] },
      ),
      mail: auth.withIdentity(
        async (_r, identity) =>
          Response.json({ length: (await identity.getToken(['Mail.Read'])).length }),
        { requireUser: true, scopes: ['User.Read'] },
      ),
      claims: auth.withIdentity(() => {
        throw new InteractionRequiredError('claims_challenge', ['User.Read'], { claims: CLAIMS })
      }),
      boom: auth.withIdentity(() => {
        throw new Error('db password hunter2 at /srv/app/secret.js')
      }),
      todos: bearerRoute(),
    }
  : {}

/** The contract route named by the last path segment, or a 404. */
export async function contractRoute(
  request: Request,
  context: { params: Promise<{ route: string[] }> },
): Promise<Response> {
  const { route } = await context.params
  const handler = route.length === 1 ? routes[route[0] ?? ''] : undefined
  return handler ? handler(request, context) : new Response(null, { status: 404 })
}
