// Runs the todo API on its own: `node --conditions=source --import tsx examples/api/src/main.ts`.
// `npm start` at the repository root runs it together with the dev IdP and the web app.
import { consoleLogger } from 'idweb'
import { createTodoApi } from './app.ts'

const api = await createTodoApi({ logger: consoleLogger('todo-api') })
console.log(`todo API listening on ${api.url}`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    api.close().then(() => process.exit(0))
  })
}
