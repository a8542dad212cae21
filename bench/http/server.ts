// One app of the HTTP benchmark, in its own process so that its CPU time is its own:
// `node --import tsx server.ts <kind> <dev IdP url> <registration JSON>`. It listens on a free
// localhost port and answers the runner over IPC: its port, its CPU time and memory, extra seeded
// users (idweb apps only) and a CPU profile summary.
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildApp } from './apps.ts'
import type { AppKind, AppRegistration } from './kinds.ts'
import { shareInside, summarizeProfile } from './profile.ts'
import { seedUsers } from './seed.ts'

export type ToServer =
  | { type: 'usage'; id: number }
  | { type: 'memory'; id: number }
  | { type: 'seed'; id: number; users: number; cookie: string }
  | { type: 'profile-start'; id: number }
  /** `save`: also write the whole profile there, as a `.cpuprofile` DevTools opens. */
  | { type: 'profile-stop'; id: number; save?: string }

/** CPU time used so far, user + system, in µs. */
export interface Usage {
  cpuMicros: number
}

/** Memory after two full garbage collections. */
export interface Memory {
  rss: number
  heapUsed: number
}

const [kind, idpUrl, registration] = process.argv.slice(2) as [AppKind, string, string]
const server = createServer()
server.keepAliveTimeout = 60_000
await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve))
const { port } = server.address() as AddressInfo
const origin = `http://localhost:${port}`
const built = await buildApp(kind, JSON.parse(registration) as AppRegistration, idpUrl, origin)
server.on('request', built.listener)

const settled = (): Memory => {
  globalThis.gc?.()
  globalThis.gc?.()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed }
}
let seeded: string[] = []

let profiler: { stop(): Promise<unknown> } | undefined
process.on('message', async (message: ToServer) => {
  const reply = (body: object) => process.send?.({ id: message.id, ...body })
  try {
    if (message.type === 'usage') {
      const cpu = process.cpuUsage()
      reply({ usage: { cpuMicros: cpu.user + cpu.system } satisfies Usage })
    } else if (message.type === 'memory') {
      reply({ memory: settled() })
    } else if (message.type === 'seed') {
      if (!built.idweb) throw new Error(`${kind} cannot seed users`)
      if (seeded[0] !== message.cookie) seeded = [message.cookie]
      seeded = await seedUsers(built.idweb, origin, seeded, message.users)
      reply({ cookies: seeded })
    } else if (message.type === 'profile-start') {
      profiler = await startProfiler()
      reply({})
    } else {
      const profile = await profiler?.stop()
      profiler = undefined
      if (message.save) await writeFile(message.save, JSON.stringify(profile))
      reply({
        top: summarizeProfile(profile as never, 5),
        idwebPercent: shareInside(profile as never, (file) => file.startsWith('idweb/')),
      })
    }
  } catch (err) {
    reply({ error: err instanceof Error ? err.message : String(err) })
  }
})
process.send?.({ type: 'ready', port })

async function startProfiler() {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  await session.post('Profiler.start')
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      return profile
    },
  }
}
