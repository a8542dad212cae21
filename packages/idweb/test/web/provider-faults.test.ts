// A misbehaving provider at each step of the sign-in: discovery, signing keys, token endpoint (and
// the token endpoint again at refresh). A real provider cannot be made slow, broken or huge on
// demand, so the test provider of support/test-op.ts answers the way each fault needs.
import assert from 'node:assert/strict'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, afterEach, before, describe, it } from 'node:test'
import express from 'express'
import { errorHandler, idwebMiddleware } from '../../src/adapters/express/index.ts'
import { listen } from '../adapters/express/support.ts'
import { APP, type OpHarness, opHarness, startedSession } from './support/op-harness.ts'
import { startTestOp, type TestOp } from './support/test-op.ts'

// The bound of every provider call, the healthy ones too (discovery, keys, tokens): long enough
// for those on a loaded machine, and for the 50 MB fault to hit the size bound (502) first.
const TIMEOUT_MS = 1500
/** What a faulty answer carries that must never reach a log line. */
const MARKER = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-MARKER'

type Fault = (res: ServerResponse, sent: { bytes: number }) => void

const faults: Readonly<Record<string, Fault>> = {
  slow: (res) => {
    // Answers well after the timeout, unless the caller gave up first (as it must).
    const timer = setTimeout(() => {
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    }, TIMEOUT_MS * 2)
    res.once('close', () => clearTimeout(timer))
  },
  hangs: () => {},
  '500': (res) => {
    res.writeHead(500, { 'content-type': 'text/html' }).end(`<h1>Internal error</h1>${MARKER}`)
  },
  '503 with JSON': (res) => {
    res
      .writeHead(503, { 'content-type': 'application/json', 'retry-after': '7' })
      .end(JSON.stringify({ error: 'temporarily_unavailable', error_description: MARKER }))
  },
  '429 with Retry-After': (res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' }).end('{}')
  },
  html: (res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<html>Sign in ${MARKER}</html>`)
  },
  'truncated JSON': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' })
    res.write(`{"access_token":"${MARKER}","id_`)
    setTimeout(() => res.destroy(), 20)
  },
  'malformed JSON': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(`{"issuer": "${MARKER}`)
  },
  '50 MB': (res, sent) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    res.write(`{"access_token":"${MARKER}","padding":"`)
    const pump = () => {
      while (sent.bytes < 50 * 1024 * 1024 && !res.destroyed) {
        sent.bytes += chunk.byteLength
        if (!res.write(chunk)) {
          res.once('drain', pump)
          return
        }
      }
      if (!res.destroyed) res.end('"}')
    }
    pump()
  },
}

/** The code and status each fault must come out as, per step. */
function expected(step: 'discovery' | 'keys' | 'token', fault: string) {
  const unavailable = /slow|hangs|500|503|429/.test(fault)
  const status = unavailable ? 503 : 502
  if (step === 'discovery') return { status, code: 'IDW_DISCOVERY_FAILED' }
  return { status, code: unavailable ? 'IDW_PROVIDER_UNAVAILABLE' : 'IDW_PROTOCOL_ERROR' }
}

describe('a misbehaving provider: bounded waits, typed errors, friendly pages, useful logs', () => {
  let op: TestOp

  before(async () => {
    op = await startTestOp()
  })
  after(() => op.close())
  afterEach(() => op.reset())

  const app = () => opHarness(op, { app: { provider: { timeoutMs: TIMEOUT_MS } } })

  /** The checks every fault must pass: time, status, code, page, log, no token in the log. */
  async function assertFault(
    h: OpHarness,
    res: Response,
    t0: number,
    want: { status: number; code: string },
    path: string,
  ): Promise<void> {
    const elapsed = performance.now() - t0
    assert.ok(elapsed < TIMEOUT_MS + 1500, `answered after ${Math.round(elapsed)} ms`)
    const page = await res.text()
    assert.equal(res.status, want.status, page.slice(0, 300))
    assert.match(page, new RegExp(want.code))
    assert.match(page, /Sign-in is unavailable/)
    assert.match(page, /sign-in service/)
    assert.equal(startedSession(res), false)
    const line = h.log.find((l) => l.message === 'identity provider call failed')
    assert.ok(line, h.logText())
    assert.equal(line.fields?.url, `${op.origin}${path}`)
    assert.ok(String(line.fields?.reason).includes(`${op.origin}${path}`))
    assert.doesNotMatch(h.logText(), /SECRET-TOKEN-MARKER/)
    assert.doesNotMatch(page, /SECRET-TOKEN-MARKER/)
  }

  for (const [name, fault] of Object.entries(faults)) {
    it(`discovery ${name} → /signin answers ${expected('discovery', name).status}`, async () => {
      const path = '/oidc/.well-known/openid-configuration'
      const sent = { bytes: 0 }
      op.route(path, (_req, res) => fault(res, sent))
      const h = app()
      const t0 = performance.now()
      const res = await h.app('/signin')
      await assertFault(h, res, t0, expected('discovery', name), path)
      assert.ok(sent.bytes < 10 * 1024 * 1024, `stopped reading (${sent.bytes} bytes sent)`)
    })
  }

  for (const [name, fault] of Object.entries(faults)) {
    it(`signing keys ${name} → the callback answers ${expected('keys', name).status}`, async () => {
      const sent = { bytes: 0 }
      op.route(op.jwksPath, (_req, res) => fault(res, sent))
      const h = app()
      const { state, nonce } = await h.start()
      const t0 = performance.now()
      const res = await h.app(
        `/signin-oidc?${new URLSearchParams({ code: op.codeFor(nonce), state })}`,
      )
      await assertFault(h, res, t0, expected('keys', name), op.jwksPath)
      assert.ok(sent.bytes < 10 * 1024 * 1024, `stopped reading (${sent.bytes} bytes sent)`)
    })
  }

  for (const [name, fault] of Object.entries(faults)) {
    it(`token endpoint ${name} → the callback answers ${expected('token', name).status}`, async () => {
      const path = '/oidc/token'
      const sent = { bytes: 0 }
      op.route(path, (_req, res) => fault(res, sent))
      const h = app()
      const { state, nonce } = await h.start()
      const t0 = performance.now()
      const res = await h.app(
        `/signin-oidc?${new URLSearchParams({ code: op.codeFor(nonce), state })}`,
      )
      await assertFault(h, res, t0, expected('token', name), path)
      if (name === '429 with Retry-After') assert.equal(res.headers.get('retry-after'), '30')
      if (name === '503 with JSON') assert.equal(res.headers.get('retry-after'), '7')
      assert.ok(sent.bytes < 10 * 1024 * 1024, `stopped reading (${sent.bytes} bytes sent)`)
    })
  }

  it('the token endpoint answers 429 at refresh → the page is a 503 with Retry-After, and the user stays signed in', async () => {
    const h = app()
    op.onToken = async (request) => ({ ...(await op.answer(request)), expires_in: 60 })
    assert.equal((await h.signIn()).status, 303)
    const web = express()
    web.use(idwebMiddleware(h.idweb))
    web.get('/data', async (req, res) => {
      res.send(await req.identity.getToken(['User.Read']))
    })
    web.use(errorHandler({ onError: () => {} }))
    const server = await listen(web)
    try {
      op.route('/oidc/token', (_req, res) => faults['429 with Retry-After']?.(res, { bytes: 0 }))
      const res = await fetch(`${server.url}/data`, {
        headers: { cookie: h.jar.header(APP) ?? '', accept: 'text/html' },
        redirect: 'manual',
      })
      assert.equal(res.status, 503)
      assert.equal(res.headers.get('retry-after'), '30')
      assert.match(await res.text(), /IDW_PROVIDER_UNAVAILABLE/)
      op.reset()
      op.onToken = async (request) => ({ ...(await op.answer(request)), expires_in: 3600 })
      const again = await fetch(`${server.url}/data`, {
        headers: { cookie: h.jar.header(APP) ?? '' },
      })
      assert.equal(again.status, 200, 'the next request refreshes: nothing was lost')
    } finally {
      await server.close()
    }
  })

  // Well-formed HTTP around an unusable answer: the provider's fault (502), not a bad ID token.
  for (const [name, path, status, body] of [
    ['token endpoint 400 without an OAuth error', '/oidc/token', 400, '{}'],
    ['token endpoint 302', '/oidc/token', 302, '{}'],
    ['token endpoint 200 without an access token', '/oidc/token', 200, '{"token_type":"Bearer"}'],
    ['signing keys that are not a key set', '/keys', 200, '{"keys":"none"}'],
    ['signing keys answering 404', '/keys', 404, '{"error":"not_found"}'],
    ['signing keys answering 204', '/keys', 204, ''],
  ] as const) {
    it(`${name} → 502 IDW_PROTOCOL_ERROR, not 401`, async () => {
      op.route(path, (_req, res) => {
        const type = status === 204 ? 'application/jwt' : 'application/json'
        res.writeHead(status, { 'content-type': type }).end(body)
      })
      const h = app()
      const { state, nonce } = await h.start()
      const res = await h.app(
        `/signin-oidc?${new URLSearchParams({ code: op.codeFor(nonce), state })}`,
      )
      const page = await res.text()
      assert.equal(res.status, 502, page.slice(0, 300))
      assert.match(page, /IDW_PROTOCOL_ERROR/)
      assert.equal(startedSession(res), false)
    })
  }

  it('an unreachable provider → 503 that says it cannot be reached', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const h = opHarness(op, {
      app: { authority: `http://127.0.0.1:${port}/oidc`, provider: { timeoutMs: TIMEOUT_MS } },
    })
    const res = await h.app('/signin')
    assert.equal(res.status, 503)
    assert.match(
      h.logText(),
      /cannot reach http:\/\/127\.0\.0\.1:\d+\/\S*: ECONNREFUSED; is the identity provider running/,
    )
  })
})
