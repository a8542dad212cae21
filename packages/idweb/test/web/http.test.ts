import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IdwebError, isIdwebError } from '../../src/errors.ts'
import { callbackParameters, errorResponse, wantsJson } from '../../src/web/http.ts'

const cb = 'http://localhost:3000/signin-oidc'

describe('callbackParameters', () => {
  it('reads the query of a GET and the form body of a POST', async () => {
    const q = await callbackParameters(new Request(`${cb}?code=c&state=s`))
    assert.equal(q.get('code'), 'c')
    const p = await callbackParameters(
      new Request(cb, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: 'code=c2&state=s2',
      }),
    )
    assert.equal(p.get('code'), 'c2')
    assert.equal(p.get('state'), 's2')
  })

  it('refuses oversized, non-form and wrong-method callbacks with typed 4xx errors', async () => {
    const cases: [Request, number][] = [
      [
        new Request(cb, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'a='.padEnd(70_000, 'x'),
        }),
        413,
      ],
      [
        new Request(cb, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
        415,
      ],
      [new Request(cb, { method: 'POST', body: 'code=c' }), 415],
      [new Request(cb, { method: 'PUT', body: 'x' }), 405],
      [new Request(`${cb}?${'a'.repeat(70_000)}`), 413],
    ]
    for (const [request, status] of cases) {
      await assert.rejects(callbackParameters(request), (err) => {
        assert.ok(isIdwebError(err, 'IDW_CALLBACK_INVALID'))
        assert.equal(err.status, status)
        return true
      })
    }
  })
})

describe('callbackParameters: bodies that trickle or break', () => {
  it('a body slower than the read timeout → 408, and the stream is cancelled', async () => {
    let cancelled = false
    const trickle = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 30))
        controller.enqueue(new TextEncoder().encode('a'))
      },
      cancel() {
        cancelled = true
      },
    })
    const request = new Request(cb, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: trickle,
      duplex: 'half',
    } as RequestInit)
    const t0 = performance.now()
    await assert.rejects(callbackParameters(request, 150), (err) => {
      assert.ok(isIdwebError(err, 'IDW_CALLBACK_INVALID'))
      assert.equal(err.status, 408)
      return true
    })
    assert.ok(performance.now() - t0 < 1000)
    assert.ok(cancelled, 'the body is not read any further')
  })

  it('a body whose stream fails → 400, not a 500', async () => {
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('the client went away'))
      },
    })
    const request = new Request(cb, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: broken,
      duplex: 'half',
    } as RequestInit)
    await assert.rejects(callbackParameters(request), (err) => {
      assert.ok(isIdwebError(err, 'IDW_CALLBACK_INVALID'))
      assert.equal(err.status, 400)
      return true
    })
  })
})

describe('callbackParameters: repeated parameters', () => {
  for (const query of [
    'code=a&code=b&state=s',
    'code=a&state=s&state=s',
    'error=x&error=y',
    'a=1&a=1',
  ]) {
    it(`refuses ${query} in the query and in a form post`, async () => {
      for (const request of [
        new Request(`${cb}?${query}`),
        new Request(cb, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: query,
        }),
      ]) {
        await assert.rejects(callbackParameters(request), (err) => {
          assert.ok(isIdwebError(err, 'IDW_CALLBACK_INVALID'))
          assert.equal(err.status, 400)
          return true
        })
      }
    })
  }
})

describe('errorResponse', () => {
  it('shows exposed messages and hides internal ones', async () => {
    const html = new Request('http://localhost/x', { headers: { accept: 'text/html' } })
    const shown = errorResponse(new IdwebError('IDW_STATE_INVALID', 'state <b>bad</b>'), html)
    assert.equal(shown.status, 400)
    const text = await shown.text()
    assert.match(text, /state &#60;b&#62;bad&#60;\/b&#62;/)
    const hidden = errorResponse(new IdwebError('IDW_CONFIG_INVALID', 'secret=hunter2'), html)
    assert.equal(hidden.status, 500)
    assert.doesNotMatch(await hidden.text(), /hunter2/)
    const plain = errorResponse(new Error('internal detail'), html)
    assert.doesNotMatch(await plain.text(), /internal detail/)
  })

  it('answers JSON to programs', async () => {
    const api = new Request('http://localhost/x', { headers: { accept: 'application/json' } })
    assert.ok(wantsJson(api))
    const res = errorResponse(new IdwebError('IDW_NOT_SIGNED_IN', 'sign in'), api)
    assert.equal(res.status, 401)
    assert.deepEqual(await res.json(), { error: 'IDW_NOT_SIGNED_IN', message: 'sign in' })
    assert.ok(
      wantsJson(new Request('http://x/', { headers: { 'x-requested-with': 'XMLHttpRequest' } })),
    )
    assert.ok(!wantsJson(new Request('http://x/', { headers: { accept: 'text/html,*/*' } })))
  })
})
