// Runs the web app on its own: `node --conditions=source --import tsx examples/webapp/src/main.ts`.
// `npm start` at the repository root runs it together with the dev IdP and the todo API.
import { createWebApp } from './app.ts'

const web = await createWebApp()
console.log(`web app listening on ${web.url}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    web.close().then(() => process.exit(0))
  })
}
