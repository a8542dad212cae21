// `npm start`: the development identity provider (4000), the todo API (5000) and the reference
// web app (3000) in one process. IDP_PORT, API_PORT and WEB_PORT move them; the URLs each one
// gives the others follow. IDWEB_CACHE names the web app's token cache store (memory by default);
// WEB_INSTANCES=2 (or more) starts more web app processes on the next ports with the same
// settings. Ctrl-C (SIGINT) or SIGTERM closes everything and exits 0.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { defaultDirectoryPath, demo, readDirectoryFile, startDevIdp } from '@idweb/dev-idp'
import { consoleLogger } from 'idweb'
import { createTodoApi } from '../examples/api/src/app.ts'
import { portFrom } from '../examples/api/src/server.ts'
import { createWebApp } from '../examples/webapp/src/app.ts'

const idpPort = portFrom(process.env.IDP_PORT, 'IDP_PORT', 4000)
const apiPort = portFrom(process.env.API_PORT, 'API_PORT', 5000)
const webPort = portFrom(process.env.WEB_PORT, 'WEB_PORT', 3000)
const instances = Number(process.env.WEB_INSTANCES ?? 1)
if (!Number.isInteger(instances) || instances < 1 || instances > 10) {
  console.error(
    `WEB_INSTANCES must be a whole number from 1 to 10, not ${process.env.WEB_INSTANCES}`,
  )
  process.exit(2)
}
const cacheStore = process.env.IDWEB_CACHE ?? process.env.Idweb__TokenCache__Store ?? 'memory'

// The demo web app registration's logout URLs follow WEB_PORT: its back-channel logout tokens and
// front-channel frames go to the first instance, which records them in the shared store for all.
const directory = await readDirectoryFile(defaultDirectoryPath)
const webAppRegistration = directory.apps.find((a) => a.appId === demo.apps.webApp.clientId)
if (webAppRegistration) {
  webAppRegistration.backchannelLogoutUri = `http://localhost:${webPort}/backchannel-logout`
  webAppRegistration.frontchannelLogoutUri = `http://localhost:${webPort}/signout-oidc`
}
const idp = await startDevIdp({
  port: idpPort,
  directory,
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
const webEnv = {
  ...env,
  DownstreamApis__TodoApi__BaseUrl: `${api.url}/`,
  Idweb__TokenCache__Store: cacheStore,
}
const web = await createWebApp({ port: webPort, env: webEnv })
// The other instances are processes of their own, as a load balancer's backends would be.
const others: ChildProcess[] = []
for (let i = 1; i < instances; i++) others.push(await startInstance(webPort + i))
const webUrls = [web.url, ...others.map((_, i) => `http://localhost:${webPort + i + 1}`)]

async function startInstance(port: number): Promise<ChildProcess> {
  const main = fileURLToPath(new URL('../examples/webapp/src/main.ts', import.meta.url))
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    env: { ...webEnv, WEB_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`web app instance on ${port} exited (${code})`)))
  })
  return child
}

const { alice, bob } = demo.users
console.log(`
  dev identity provider  ${idp.url}
  todo API               ${api.url}
  web app                ${webUrls.join(', ')}   <- open this
  token cache store      ${cacheStore.replace(/\/\/[^/@]*@/, '//***@')}${
    instances > 1 && cacheStore === 'memory'
      ? ' (each instance has its own: set IDWEB_CACHE=redis://127.0.0.1:6379 to share)'
      : ''
  }

  Sign in as ${alice.username} (password ${alice.password}) or ${bob.username} (password ${bob.password}).
  Ctrl-C stops them all.
`)

let stopping = false
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping`)
  const exits = others.map(
    (child) =>
      new Promise((resolve) =>
        child.exitCode !== null ? resolve(0) : child.once('exit', resolve),
      ),
  )
  for (const child of others) child.kill('SIGTERM')
  const results = await Promise.allSettled([web.close(), ...exits, api.close(), idp.close()])
  const failed = results.filter((r) => r.status === 'rejected')
  for (const f of failed) console.error(f.reason)
  process.exit(failed.length === 0 ? 0 : 1)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
