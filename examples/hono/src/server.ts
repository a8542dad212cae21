// Runs the example: `npm run example:hono` at the repository root, with `npm run dev-idp`.
import { start } from './app.ts'

const port = Number(process.env.PORT ?? 3300)
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a TCP port (0-65535), not ${JSON.stringify(process.env.PORT)}`)
  process.exit(64)
}
const app = await start({ port }).catch((err: unknown) => {
  // A refused start names the setting and what to do: print that line, not a stack trace.
  const code = (err as { code?: unknown }).code
  console.error(`the example did not start: ${err instanceof Error ? err.message : String(err)}`)
  if (typeof code === 'string') console.error(`(${code}; see docs/troubleshooting.md)`)
  process.exit(1)
})
console.log(`Hono example on ${app.url}: sign in as alice@contoso.example (password alice)`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0))
  })
}
