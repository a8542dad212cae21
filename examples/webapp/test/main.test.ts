// The web app started on its own (src/main.ts) with a provider that is not there: it exits 1 with
// one line that names the URL and what to check, and no stack trace.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'

const root = new URL('../../../', import.meta.url).pathname

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

describe('the web app started on its own', () => {
  it('an unreachable provider: exit 1, one line saying what to check, no stack trace', async () => {
    const idpPort = await freePort()
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'examples/webapp/src/main.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          WEB_PORT: String(await freePort()),
          AzureAd__Instance: `http://localhost:${idpPort}/`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let err = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    const [code] = await once(child, 'exit')
    assert.equal(code, 1)
    assert.match(err, new RegExp(`web app did not start: .*localhost:${idpPort}.*ECONNREFUSED`))
    assert.match(err, /is the identity provider running/)
    assert.match(err, /\(IDW_DISCOVERY_FAILED; see docs\/troubleshooting\.md\)/)
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace')
  })
})
