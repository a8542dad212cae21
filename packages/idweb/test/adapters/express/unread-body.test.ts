import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import { idwebMiddleware } from '../../../src/adapters/express/index.ts'
import { DRAIN_MAX_BYTES } from '../../../src/adapters/shared/request-body.ts'
import { type Listening, listen, offlineIdweb } from './support.ts'

/** What a raw keep-alive client saw: the status lines in order, and how the connection ended. */
interface Exchange {
  statuses: number[]
  text: string
  ended: 'closed' | 'reset' | 'open'
}

/**
 * Writes `requests` back to back on one connection (as a keep-alive client with pipelining would)
 * and collects the answers until `expected` have arrived, the server closes, or 5 s pass.
 */
async function exchange(port: number, requests: Buffer[], expected: number): Promise<Exchange> {
  const socket = net.connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  let text = ''
  let ended: Exchange['ended'] = 'open'
  const statuses = () => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000)
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1')
      if (statuses().length >= expected && /HOME\b/.test(text)) {
        clearTimeout(timer)
        resolve()
      }
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // EPIPE is our own write after the server closed: the answer was already received.
      if (err.code !== 'EPIPE') ended = 'reset'
    })
    socket.on('close', () => {
      if (ended === 'open') ended = 'closed'
      clearTimeout(timer)
      resolve()
    })
  })
  for (const request of requests) socket.write(request)
  await done
  socket.destroy()
  return { statuses: statuses(), text, ended }
}

function post(path: string, size: number, framing: 'length' | 'chunked'): Buffer {
  const body = Buffer.alloc(size, 'x')
  body.write('a=')
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n`
  if (framing === 'length') {
    return Buffer.concat([Buffer.from(`${head}Content-Length: ${size}\r\n\r\n`), body])
  }
  return Buffer.concat([
    Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n${size.toString(16)}\r\n`),
    body,
    Buffer.from('\r\n0\r\n\r\n'),
  ])
}

const home = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')

describe('an answer that leaves the request body unread keeps the connection sound', () => {
  let server: Listening

  before(async () => {
    const app = express()
    app.use(idwebMiddleware(offlineIdweb()))
    app.get('/', (_req, res) => {
      res.type('text').send('HOME')
    })
    server = await listen(app)
  })
  after(() => server.close())

  for (const framing of ['length', 'chunked'] as const) {
    // Regression: the body stayed unread behind the 413, so the next request on the connection
    // was never parsed (the client waited forever), or the socket was destroyed with the stream.
    it(`a 413 for an unread body (${framing === 'length' ? 'Content-Length' : 'chunked'}) answers the next request on the keep-alive connection`, async () => {
      const seen = await exchange(server.port, [post('/signin-oidc', 900_000, framing), home], 2)
      assert.deepEqual(seen.statuses, [413, 200], seen.text.slice(0, 300))
      assert.match(seen.text, /IDW_CALLBACK_INVALID/)
      assert.equal(seen.ended, 'open', 'the connection stays usable')
    })

    it(`a body beyond what is worth draining (${framing}) gets its 413, then a clean close`, async () => {
      const size = DRAIN_MAX_BYTES * 4
      const seen = await exchange(server.port, [post('/signin-oidc', size, framing), home], 2)
      assert.deepEqual(seen.statuses, [413], seen.text.slice(0, 300))
      assert.match(seen.text, /connection: close/i)
      assert.equal(seen.ended, 'closed')
    })
  }

  for (const [path, status] of [
    ['/signin', 405],
    ['/signout', 302],
    ['/signout-callback-oidc', 405],
  ] as const) {
    it(`POST ${path} with a body it does not read → ${status}, and the next request is answered`, async () => {
      const seen = await exchange(server.port, [post(path, 200_000, 'length'), home], 2)
      assert.deepEqual(seen.statuses, [status, 200], seen.text.slice(0, 300))
    })
  }

  it('keep-alive through fetch: a 413 and then another request on the same agent', async () => {
    const big = await fetch(`${server.url}/signin-oidc`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `a=${'x'.repeat(500_000)}`,
    })
    assert.equal(big.status, 413)
    await big.text()
    const next = await fetch(`${server.url}/`)
    assert.equal(await next.text(), 'HOME')
  })
})
