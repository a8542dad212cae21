import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'

const root = new URL('../../../', import.meta.url).pathname
const cli = new URL('../src/cli.ts', import.meta.url).pathname

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Runs the CLI as `npm run dev-idp` does until it prints its URL; returns that and the output. */
async function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 15_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /never use in production\): (\S+)/.exec(output)
      if (match?.[1] && /Multi-tenant: /.test(output)) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}:\n${output}`))
    })
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      child.removeAllListeners('exit')
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return { url, output: () => output, stop }
}

describe('command line (npm run dev-idp)', () => {
  it('listens on --port and serves the directory named by IDWEB_DEV_IDP_DIRECTORY', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-idp-cli-'))
    const tenantId = '30000000-0000-4000-a000-000000000003'
    const path = join(dir, 'directory.json')
    await writeFile(
      path,
      JSON.stringify({
        tenants: [{ id: tenantId, displayName: 'Tailspin', domains: ['tailspin.example'] }],
        users: [],
        apps: [],
      }),
    )
    const port = await freePort()
    const running = await startCli(['--port', String(port), '--host', '127.0.0.1'], {
      IDWEB_DEV_IDP_DIRECTORY: path,
    })
    try {
      assert.equal(running.url, `http://127.0.0.1:${port}`)
      const doc = await (
        await fetch(`${running.url}/tailspin.example/v2.0/.well-known/openid-configuration`)
      ).json()
      assert.equal(doc.issuer, `${running.url}/${tenantId}/v2.0`)
      const contoso = await fetch(
        `${running.url}/contoso.example/v2.0/.well-known/openid-configuration`,
      )
      assert.equal(contoso.status, 400, 'the demo directory is replaced, not merged')
      assert.doesNotMatch(running.output(), /Demo users/)
    } finally {
      await running.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
