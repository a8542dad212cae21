// errorHandler: idweb errors keep their status and only exposed messages; anything else is a
// generic page with no message, no stack and no path. No provider is involved.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import express from 'express'
import { errorHandler, idwebMiddleware } from '../../../src/adapters/express/index.ts'
import { BearerError } from '../../../src/api/index.ts'
import { ConfigError, IdwebError } from '../../../src/index.ts'
import { type Listening, listen, offlineIdweb } from './support.ts'

const SECRET_DETAIL = 'db password hunter2 at /srv/app/secret.js'

describe('errorHandler', () => {
  let server: Listening
  const logged: unknown[] = []

  before(async () => {
    const app = express()
    app.use(idwebMiddleware(offlineIdweb()))
    app.get('/state', async () => {
      throw new IdwebError('IDW_STATE_INVALID', 'This sign-in link has expired. Sign in again.')
    })
    app.get('/config', () => {
      throw new ConfigError('AzureAd.ClientSecret', SECRET_DETAIL)
    })
    app.get('/plain', async () => {
      throw new Error(SECRET_DETAIL)
    })
    app.get('/string', async () => {
      throw SECRET_DETAIL
    })
    app.get('/bearer', () => {
      throw new BearerError('expired', 'The token is expired.')
    })
    app.post('/small', express.json({ limit: 10 }), (_req, res) => {
      res.send('ok')
    })
    app.use(errorHandler({ onError: (err) => logged.push(err) }))
    server = await listen(app)
  })
  after(() => server.close())

  const html = { accept: 'text/html' }
  const json = { accept: 'application/json' }

  test('answers an exposed idweb error with its status and message (HTML for people)', async () => {
    const res = await fetch(`${server.url}/state`, { headers: html })
    assert.equal(res.status, 400)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    const page = await res.text()
    assert.match(page, /This sign-in link has expired/)
    assert.match(page, /IDW_STATE_INVALID/)
  })

  test('answers an exposed idweb error with JSON for programs', async () => {
    const res = await fetch(`${server.url}/state`, { headers: json })
    assert.equal(res.status, 400)
    assert.deepEqual(await res.json(), {
      error: 'IDW_STATE_INVALID',
      message: 'This sign-in link has expired. Sign in again.',
    })
  })

  test('hides the message of an unexposed idweb error', async () => {
    const res = await fetch(`${server.url}/config`, { headers: html })
    assert.equal(res.status, 500)
    const page = await res.text()
    assert.doesNotMatch(page, /hunter2|ClientSecret|secret\.js/)
    assert.ok(
      logged.some((e) => e instanceof ConfigError),
      'a 5xx is reported to onError',
    )
  })

  for (const path of ['/plain', '/string']) {
    test(`answers a non-idweb failure (${path}) with a generic 500: no message, no stack`, async () => {
      for (const headers of [html, json]) {
        const res = await fetch(`${server.url}${path}`, { headers })
        assert.equal(res.status, 500)
        const body = await res.text()
        assert.doesNotMatch(body, /hunter2|\/srv\/|at [A-Za-z.]+ \(|Error:/)
        if (headers === json)
          assert.deepEqual(JSON.parse(body), {
            error: 'server_error',
            message: 'Internal Server Error',
          })
        else assert.match(body, /500 Internal Server Error/)
      }
    })
  }

  test('keeps the 4xx status of a body parser error, without its message', async () => {
    const res = await fetch(`${server.url}/small`, {
      method: 'POST',
      headers: { ...json, 'content-type': 'application/json' },
      body: JSON.stringify({ much: 'too long for ten bytes' }),
    })
    assert.equal(res.status, 413)
    assert.deepEqual(await res.json(), { error: 'request_error', message: 'Payload Too Large' })
  })

  test('answers a bearer error per RFC 6750', async () => {
    const res = await fetch(`${server.url}/bearer`, { headers: json })
    assert.equal(res.status, 401)
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/)
  })
})
