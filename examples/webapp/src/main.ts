// Runs the web app on its own: `node --conditions=source --import tsx examples/webapp/src/main.ts`.
// `npm start` at the repository root runs it together with the dev IdP and the todo API.
import { createWebApp } from './app.ts'

// A refused start (a setting, an unreachable provider, a missing package) is one line that says
// what to do, not a stack trace: the message is written to be read.
const web = await createWebApp().catch((err: unknown) => {
  const code = (err as { code?: unknown }).code
  console.error(`web app did not start: ${err instanceof Error ? err.message : String(err)}`)
  if (typeof code === 'string') console.error(`(${code}; see docs/troubleshooting.md)`)
  process.exit(1)
})
console.log(`web app listening on ${web.url}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    web.close().then(() => process.exit(0))
  })
}
