// Node request → Web Request and Web Response → Node response, through a real Express app.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import express from 'express'
import { sendWebResponse, toWebRequest } from '../../../src/adapters/express/index.ts'
import { type Listening, listen, rawRequest } from './support.ts'

interface Echo {
  url: string
  method: string
  cookie: string | null
  authorization: string | null
  contentType: string | null
  body: string | null
}

async function echo(req: express.Request, res: express.Response): Promise<void> {
  const request = toWebRequest(req)
  const body: Echo = {
    url: request.url,
    method: request.method,
    cookie: request.headers.get('cookie'),
    authorization: request.headers.get('authorization'),
    contentType: request.headers.get('content-type'),
    body: request.body ? await request.text() : null,
  }
  res.json(body)
}

describe('toWebRequest', () => {
  let plain: Listening
  let parsed: Listening
  let trusted: Listening
  let extended: Listening

  before(async () => {
    const a = express()
    a.all('/echo', echo)
    plain = await listen(a)
    const b = express()
    b.use(express.urlencoded({ extended: false }), express.json())
    b.all('/echo', echo)
    parsed = await listen(b)
    const c = express()
    c.set('trust proxy', 'loopback')
    c.all('/echo', echo)
    trusted = await listen(c)
    const d = express()
    d.use(express.urlencoded({ extended: true }))
    d.all('/echo', echo)
    extended = await listen(d)
  })
  after(async () => {
    await Promise.all([plain.close(), parsed.close(), trusted.close(), extended.close()])
  })

  test('builds the absolute URL from protocol, host and the original URL', async () => {
    const res = await fetch(`${plain.url}/echo?x=1&y=%2F`)
    const body = (await res.json()) as Echo
    assert.equal(body.url, `${plain.url}/echo?x=1&y=%2F`)
    assert.equal(body.method, 'GET')
    assert.equal(body.body, null)
  })

  test('joins several Cookie headers with "; "', async () => {
    const res = await rawRequest(plain.port, 'GET', '/echo', [
      'Cookie',
      'a=1',
      'Cookie',
      'b=2; c=3',
    ])
    assert.equal((JSON.parse(res.body) as Echo).cookie, 'a=1; b=2; c=3')
  })

  test('keeps a duplicated Authorization header visible (Node keeps only the first)', async () => {
    const res = await rawRequest(plain.port, 'GET', '/echo', [
      'Authorization',
      'Bearer first',
      'Authorization',
      'Bearer second',
    ])
    assert.equal((JSON.parse(res.body) as Echo).authorization, 'Bearer first, Bearer second')
  })

  test('streams a raw form body nobody has read', async () => {
    const res = await fetch(`${plain.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'code=abc&state=x%2By',
    })
    const body = (await res.json()) as Echo
    assert.equal(body.body, 'code=abc&state=x%2By')
    assert.equal(body.contentType, 'application/x-www-form-urlencoded')
  })

  test('rebuilds a form body a body parser already consumed', async () => {
    const res = await fetch(`${parsed.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'code=abc&state=x%2By&state=second',
    })
    const body = (await res.json()) as Echo
    assert.equal(body.contentType, 'application/x-www-form-urlencoded')
    const params = new URLSearchParams(body.body ?? '')
    assert.equal(params.get('code'), 'abc')
    assert.deepEqual(params.getAll('state'), ['x+y', 'second'])
  })

  // Regression: `code[x]=y` became an object under `code`, which the rebuild dropped, so a
  // repeated callback parameter slipped past the check behind an extended parser.
  test('keeps every key a nesting parser consumed, so a repeated parameter stays repeated', async () => {
    const res = await fetch(`${extended.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'code=genuine&code[x]=y&state=s&iss[1]=z',
    })
    const params = new URLSearchParams(((await res.json()) as Echo).body ?? '')
    assert.equal(params.getAll('code').length, 2, params.toString())
    assert.equal(params.getAll('code')[0], 'genuine')
    assert.equal(params.get('state'), 's')
    assert.equal(params.getAll('iss').length, 1)
  })

  test('rebuilds a JSON body a JSON parser consumed as JSON, not as a form', async () => {
    const res = await fetch(`${parsed.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    })
    const body = (await res.json()) as Echo
    assert.equal(body.contentType, 'application/json')
    assert.deepEqual(JSON.parse(body.body ?? ''), { a: 1 })
  })

  test('streams a body no installed parser handles (text/plain with json+urlencoded parsers)', async () => {
    const res = await fetch(`${parsed.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'just text',
    })
    assert.equal(((await res.json()) as Echo).body, 'just text')
  })

  test('ignores X-Forwarded-Proto and X-Forwarded-Host without trust proxy', async () => {
    const res = await fetch(`${plain.url}/echo`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' },
    })
    assert.equal(((await res.json()) as Echo).url, `${plain.url}/echo`)
  })

  test('honours X-Forwarded-Proto and X-Forwarded-Host from a trusted proxy', async () => {
    const res = await fetch(`${trusted.url}/echo`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'app.example' },
    })
    assert.equal(((await res.json()) as Echo).url, 'https://app.example/echo')
  })

  test('refuses a Host header that is not a URL authority (400, not another origin)', async () => {
    const app = express()
    app.get('/echo', echo)
    app.use(((err, _req, res, _next) => {
      res
        .status((err as { status?: number }).status ?? 500)
        .json({ code: (err as { code?: string }).code })
    }) as express.ErrorRequestHandler)
    const server = await listen(app)
    try {
      const res = await rawRequest(server.port, 'GET', '/echo', [
        'Host',
        'evil.example@good.example',
      ])
      assert.equal(res.status, 400)
      assert.equal((JSON.parse(res.body) as { code: string }).code, 'IDW_BAD_REQUEST')
    } finally {
      await server.close()
    }
  })
})

describe('sendWebResponse', () => {
  let server: Listening

  before(async () => {
    const app = express()
    app.all('/cookies', async (_req, res) => {
      res.append('Set-Cookie', 'earlier=1; Path=/')
      const headers = new Headers({ 'content-type': 'text/plain', 'x-custom': 'yes' })
      headers.append('set-cookie', 'a=1; Path=/; HttpOnly')
      headers.append('set-cookie', 'b=2, with comma; Path=/')
      await sendWebResponse(res, new Response('hello', { status: 201, headers }))
    })
    app.get('/stream', async (_req, res) => {
      const encoder = new TextEncoder()
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const part of ['one ', 'two ', 'three']) {
            controller.enqueue(encoder.encode(part))
            await new Promise((r) => setTimeout(r, 5))
          }
          controller.close()
        },
      })
      await sendWebResponse(
        res,
        new Response(stream, { headers: { 'content-type': 'text/plain' } }),
      )
    })
    app.get('/empty', async (_req, res) => {
      await sendWebResponse(res, new Response(null, { status: 204, headers: { 'x-a': 'b' } }))
    })
    server = await listen(app)
  })
  after(() => server.close())

  test('keeps status, headers and every Set-Cookie separately', async () => {
    const res = await fetch(`${server.url}/cookies`)
    assert.equal(res.status, 201)
    assert.equal(res.headers.get('x-custom'), 'yes')
    assert.deepEqual(res.headers.getSetCookie(), [
      'earlier=1; Path=/',
      'a=1; Path=/; HttpOnly',
      'b=2, with comma; Path=/',
    ])
    assert.equal(await res.text(), 'hello')
  })

  test('answers HEAD with the headers and no body', async () => {
    const res = await fetch(`${server.url}/cookies`, { method: 'HEAD' })
    assert.equal(res.status, 201)
    assert.equal(res.headers.get('content-type'), 'text/plain')
    assert.equal(res.headers.getSetCookie().length, 3)
    assert.equal(await res.text(), '')
  })

  test('streams a body', async () => {
    const res = await fetch(`${server.url}/stream`)
    assert.equal(await res.text(), 'one two three')
  })

  test('sends a 204 without a body', async () => {
    const res = await fetch(`${server.url}/empty`)
    assert.equal(res.status, 204)
    assert.equal(res.headers.get('x-a'), 'b')
    assert.equal(await res.text(), '')
  })
})
