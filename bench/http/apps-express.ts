// Express 5: the bare route, and the same route behind `idwebMiddleware`, `requireUser()` and
// `req.identity.getToken`.
import express from 'express'
import { idwebMiddleware, requireUser } from 'idweb/express'
import type { BuiltApp } from './apps.ts'
import { benchIdweb } from './idweb-instance.ts'
import { type AppRegistration, BARE_ANSWER, SCOPE } from './kinds.ts'

export async function expressApp(
  withIdweb: boolean,
  reg: AppRegistration,
  idpUrl: string,
): Promise<BuiltApp> {
  const app = express()
  app.disable('x-powered-by')
  if (!withIdweb) {
    app.get('/hello', (_req, res) => {
      res.json(BARE_ANSWER)
    })
    return { listener: app }
  }
  const idweb = await benchIdweb(reg, idpUrl)
  app.use(idwebMiddleware(idweb))
  app.get('/hello', requireUser(), async (req, res) => {
    res.json({ name: req.identity.claims.name, token: await req.identity.getToken([SCOPE]) })
  })
  return { listener: app, idweb }
}
