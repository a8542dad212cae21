import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'

/** A started HTTP server. */
export interface Listening {
  /** `http://localhost:<port>`. */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

/**
 * Starts `app` on the loopback interface (never on the network: these are development servers)
 * and names it `http://localhost:<port>`, so the web app, the API and the dev IdP are same-site.
 */
export async function listenOnLoopback(app: Express, port: number): Promise<Listening> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)))
  })
  const actual = (server.address() as AddressInfo).port
  return {
    url: `http://localhost:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A TCP port from an environment variable, or `fallback`. */
export function portFrom(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${name} must be a TCP port (0-65535), not ${JSON.stringify(value)}`)
  }
  return port
}
