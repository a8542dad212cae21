// A flood of back-channel logout tokens through idweb's own route: valid tokens, each for another
// provider session, signed as the dev IdP signs them. What each costs in time and heap, and what
// the records' bound (100,000 in memory) makes the most they can hold.
import { randomUUID } from 'node:crypto'
import { demo, startDevIdp } from '@idweb/dev-idp'
import { providerSigningKey } from '@idweb/dev-idp/testing'
import { createIdweb } from 'idweb'
import { SignJWT } from 'jose'
import { settledHeap } from './measure.ts'

const EVENT = 'http://schemas.openid.net/event/backchannel-logout'
/** The default bounds of the revocation records and of the used-token memory. */
const BOUND = 100_000

export interface LogoutFloodRow {
  tokens: number
  logoutsPerSecond: number
  heapBytesPerToken: number
  /** What the records could hold at most: the bound times the cost of one. */
  heapAtBoundBytes: number
  /** Logouts refused: must be 0 (every token is valid and new). */
  refused: number
}

/** Posts `sizes` many valid logout tokens to a fresh app each time. */
export async function runLogoutFlood(sizes: readonly number[]): Promise<LogoutFloodRow[]> {
  const idp = await startDevIdp({ port: 0, host: '127.0.0.1' })
  const rows: LogoutFloodRow[] = []
  try {
    const { key, kid } = providerSigningKey()
    const iss = idp.issuer(demo.tenants.contoso.id)
    for (const tokens of sizes) {
      const idweb = createIdweb(
        {
          instance: `${idp.url}/`,
          tenantId: demo.tenants.contoso.id,
          clientId: demo.apps.webApp.clientId,
          clientSecret: demo.apps.webApp.clientSecret,
          allowInsecureHttp: true,
          session: { secrets: ['bench-session-secret-0123456789-abcdefghijkl'] },
        },
        { env: {} },
      )
      await idweb.ready()
      const now = Math.floor(Date.now() / 1000)
      const bodies: string[] = []
      for (let i = 0; i < tokens; i++) {
        const token = await new SignJWT({
          iss,
          aud: demo.apps.webApp.clientId,
          iat: now,
          exp: now + 600,
          jti: randomUUID(),
          events: { [EVENT]: {} },
          sid: randomUUID(),
        })
          .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
          .sign(key)
        bodies.push(new URLSearchParams({ logout_token: token }).toString())
      }
      const post = (body: string) =>
        idweb.handle(
          new Request('http://localhost:3000/backchannel-logout', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
          }),
        )
      // The key set is fetched on the first token: not part of the flood.
      await post(bodies.pop() as string)
      const before = settledHeap()
      let refused = 0
      const t0 = performance.now()
      for (const body of bodies) if ((await post(body))?.status !== 200) refused++
      const seconds = (performance.now() - t0) / 1000
      // The posted bodies are still held, as they were before: what grew is the records.
      const perToken = Math.max(0, settledHeap() - before) / tokens
      bodies.length = 0
      rows.push({
        tokens,
        logoutsPerSecond: tokens / seconds,
        heapBytesPerToken: perToken,
        heapAtBoundBytes: perToken * BOUND,
        refused,
      })
      await idweb.close()
    }
  } finally {
    await idp.close()
  }
  return rows
}

/** The rows as a Markdown table. */
export function logoutMarkdown(rows: readonly LogoutFloodRow[]): string {
  const lines = [
    '| logout tokens | logouts/s | heap per token | heap at the 100,000 bound | refused |',
    '|--:|--:|--:|--:|--:|',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.tokens.toLocaleString('en-US')} | ${Math.round(r.logoutsPerSecond).toLocaleString('en-US')} | ${Math.round(r.heapBytesPerToken)} B | ${(r.heapAtBoundBytes / 1024 / 1024).toFixed(1)} MiB | ${r.refused} |`,
    )
  }
  return lines.join('\n')
}
