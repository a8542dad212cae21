// `npm start`: the development identity provider (4000), the todo API (5000) and the reference
// web app (3000) in one process. IDP_PORT, API_PORT and WEB_PORT move them; the URLs each one
// gives the others follow. Ctrl-C (SIGINT) or SIGTERM closes all three and exits 0.
import { demo, startDevIdp } from '@idweb/dev-idp'
import { consoleLogger } from 'idweb'
import { createTodoApi } from '../examples/api/src/app.ts'
import { portFrom } from '../examples/api/src/server.ts'
import { createWebApp } from '../examples/webapp/src/app.ts'

const idpPort = portFrom(process.env.IDP_PORT, 'IDP_PORT', 4000)
const apiPort = portFrom(process.env.API_PORT, 'API_PORT', 5000)
const webPort = portFrom(process.env.WEB_PORT, 'WEB_PORT', 3000)

const idp = await startDevIdp({
  port: idpPort,
  logger: (entry) => {
    if (entry.level === 'warn' || entry.level === 'error') {
      console.error(`dev-idp: ${entry.message} ${JSON.stringify(entry.fields ?? {})}`)
    }
  },
})
// The environment wins over appsettings.json: point both apps at the servers started here.
const env = {
  ...process.env,
  AzureAd__Instance: `${idp.url}/`,
  DownstreamApis__Graph__BaseUrl: `${idp.url}/graph/v1.0`,
}
const api = await createTodoApi({ port: apiPort, env, logger: consoleLogger('todo-api') })
const web = await createWebApp({
  port: webPort,
  env: { ...env, DownstreamApis__TodoApi__BaseUrl: `${api.url}/` },
})

const { alice, bob } = demo.users
console.log(`
  dev identity provider  ${idp.url}
  todo API               ${api.url}
  web app                ${web.url}   <- open this

  Sign in as ${alice.username} (password ${alice.password}) or ${bob.username} (password ${bob.password}).
  Ctrl-C stops all three.
`)

let stopping = false
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping`)
  const results = await Promise.allSettled([web.close(), api.close(), idp.close()])
  const failed = results.filter((r) => r.status === 'rejected')
  for (const f of failed) console.error(f.reason)
  process.exit(failed.length === 0 ? 0 : 1)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
