// Runs the daemon once and prints every user's todos as JSON on stdout:
// `node --conditions=source --import tsx examples/daemon/src/main.ts`, with `npm start` (the dev
// IdP and the todo API) running. Warnings and errors go to stderr; a failure exits 1.
import { consoleLogger, isIdwebError, type Logger } from 'idweb'
import { runDaemon } from './daemon.ts'

const log = consoleLogger('daemon')
const logger: Logger = { debug() {}, info() {}, warn: log.warn, error: log.error }
try {
  const all = await runDaemon({ logger })
  console.log(JSON.stringify(all, null, 2))
} catch (err) {
  process.exitCode = 1
  if (isIdwebError(err)) console.error(`daemon: ${err.code}: ${err.message}`)
  else console.error('daemon:', err instanceof Error ? err.message : err)
}
