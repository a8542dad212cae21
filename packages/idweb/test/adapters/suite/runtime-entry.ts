// The Hono contract app in another runtime: Bun or Deno runs this file as it is (both run
// TypeScript, and idweb is imported from its sources, as in hono-app.ts). runtime-mount.ts starts
// it with the suite's setup as JSON in its first argument. It builds the same idweb and validator
// as the in-process mounts, serves honoContractApp with the runtime's own server (Bun.serve,
// Deno.serve) on 127.0.0.1, an ephemeral port, prints LISTENING, the port and the runtime on
// stdout, and ends on SIGTERM or when its stdin closes.
import { contractParts, LISTENING, type SuiteSetup } from './contract.ts'
import { honoContractApp } from './hono-app.ts'

type Handler = (request: Request) => Response | Promise<Response>

/** The little of Bun this file uses (no @types/bun here). */
interface BunGlobal {
  version: string
  argv: string[]
  serve(options: { fetch: Handler; port: number; hostname: string }): {
    readonly port: number
    stop(closeActiveConnections?: boolean): Promise<void>
  }
  stdin: { stream(): ReadableStream<Uint8Array> }
}

/** The little of Deno this file uses (no Deno types here). */
interface DenoGlobal {
  version: { deno: string }
  args: string[]
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: Handler,
  ): { readonly addr: { readonly port: number }; shutdown(): Promise<void> }
  stdin: { readable: ReadableStream<Uint8Array> }
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', listener: () => void): void
  exit(code: number): never
}

interface Runtime {
  /** `bun 1.4.5`, `deno 2.9.6`: printed with the port, so the mount knows who serves. */
  readonly name: string
  /** The arguments after the script. */
  readonly args: readonly string[]
  serve(fetch: Handler): { readonly port: number; stop(): Promise<void> }
  readonly stdin: ReadableStream<Uint8Array>
  onSignal(listener: () => void): void
  exit(code: number): never
}

function currentRuntime(): Runtime {
  const { Bun, Deno } = globalThis as unknown as { Bun?: BunGlobal; Deno?: DenoGlobal }
  if (Bun) {
    return {
      name: `bun ${Bun.version}`,
      args: Bun.argv.slice(2),
      serve(fetch) {
        const server = Bun.serve({ fetch, port: 0, hostname: '127.0.0.1' })
        return { port: server.port, stop: () => server.stop(true) }
      },
      stdin: Bun.stdin.stream(),
      onSignal: (listener) => {
        for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, listener)
      },
      exit: (code) => process.exit(code),
    }
  }
  if (Deno) {
    return {
      name: `deno ${Deno.version.deno}`,
      args: Deno.args,
      serve(fetch) {
        const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen() {} }, fetch)
        return { port: server.addr.port, stop: () => server.shutdown() }
      },
      stdin: Deno.stdin.readable,
      onSignal: (listener) => {
        for (const signal of ['SIGTERM', 'SIGINT'] as const)
          Deno.addSignalListener(signal, listener)
      },
      exit: (code) => Deno.exit(code),
    }
  }
  throw new Error('runtime-entry.ts runs under Bun or Deno')
}

const runtime = currentRuntime()
try {
  const setup = JSON.parse(runtime.args[0] ?? '') as SuiteSetup
  const { idweb, validator } = contractParts(setup)
  const server = runtime.serve(honoContractApp(idweb, validator).fetch)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    try {
      await server.stop()
      await idweb.close()
      runtime.exit(0)
    } catch (error) {
      console.error(error)
      runtime.exit(1)
    }
  }
  runtime.onSignal(() => void stop())
  console.log(`${LISTENING}${server.port} (${runtime.name})`)
  // Whoever started this process holds its stdin: when that closes, so does the app.
  void (async () => {
    const reader = runtime.stdin.getReader()
    while (!(await reader.read()).done) {
      // Input means nothing here; only its end does.
    }
    await stop()
  })()
} catch (error) {
  console.error(error)
  runtime.exit(1)
}
