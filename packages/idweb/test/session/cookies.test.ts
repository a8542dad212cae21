import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  cookieSecure,
  isPlainHttpLoopback,
  MAX_COOKIE_HEADER_LENGTH,
  MAX_COOKIES,
  parseCookieHeader,
  serializeCookie,
} from '../../src/session/cookies.ts'

const base = { secure: true, httpOnly: true, sameSite: 'Lax' } as const

describe('parseCookieHeader', () => {
  it('reads pairs, trims spaces and tabs, strips one pair of quotes', () => {
    const { values } = parseCookieHeader(' a=1;b=2 ;\tc="3"; d= x ')
    assert.deepEqual(
      [...values],
      [
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
        ['d', 'x'],
      ],
    )
  })

  it('keeps values byte-exact: no percent-decoding', () => {
    assert.equal(parseCookieHeader('a=%41b').values.get('a'), '%41b')
  })

  it('skips pairs without =, with invalid names or with values outside cookie-octet', () => {
    const { values } = parseCookieHeader('novalue; =x; a b=1; c=d e; f=g,h; i=j\\k; ok=1; é=2; l=ü')
    assert.deepEqual([...values], [['ok', '1']])
  })

  it('lets the first duplicate win and records the name', () => {
    const { values, duplicates } = parseCookieHeader('a=1; b=2; a=3')
    assert.equal(values.get('a'), '1')
    assert.deepEqual([...duplicates], ['a'])
  })

  it('accepts empty and missing headers', () => {
    assert.equal(parseCookieHeader(null).values.size, 0)
    assert.equal(parseCookieHeader(undefined).values.size, 0)
    assert.equal(parseCookieHeader('').values.size, 0)
    assert.equal(parseCookieHeader(';;;').values.size, 0)
  })

  it('ignores a header longer than the limit entirely', () => {
    const header = `a=1; b=${'x'.repeat(MAX_COOKIE_HEADER_LENGTH)}`
    assert.equal(parseCookieHeader(header).values.size, 0)
  })

  it('looks at no more than MAX_COOKIES pairs', () => {
    const header = Array.from({ length: MAX_COOKIES + 50 }, (_, i) => `c${i}=${i}`).join('; ')
    const { values } = parseCookieHeader(header)
    assert.equal(values.size, MAX_COOKIES)
    assert.equal(values.has(`c${MAX_COOKIES}`), false)
  })

  it('parses 10 KB of junk quickly and without throwing', () => {
    const junk = Array.from({ length: 10_240 }, (_, i) =>
      String.fromCharCode((i * 7919) % 256),
    ).join('')
    const started = performance.now()
    for (let i = 0; i < 100; i++) parseCookieHeader(junk)
    assert.ok(performance.now() - started < 1000)
  })

  it('never throws on arbitrary strings (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (header) => {
        const { values, duplicates } = parseCookieHeader(header)
        for (const [name, value] of values) {
          assert.match(name, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/)
          assert.match(value, /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/)
        }
        for (const d of duplicates) assert.ok(values.has(d))
      }),
      { numRuns: 10_000 },
    )
  })

  it('reads back whatever serializeCookie wrote (10,000 runs)', () => {
    const name = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,20}$/)
    const value = fc.stringMatching(/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{0,40}$/)
    fc.assert(
      fc.property(name, value, (n, v) => {
        if (n.startsWith('__')) return
        const header = serializeCookie(n, v, base).split('; ')[0]
        assert.equal(parseCookieHeader(header).values.get(n), v)
      }),
      { numRuns: 10_000 },
    )
  })
})

describe('serializeCookie', () => {
  it('writes the attributes in a fixed order', () => {
    assert.equal(
      serializeCookie('a', 'b', { ...base, maxAge: 60 }),
      'a=b; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax',
    )
    assert.equal(
      serializeCookie('a', '', { ...base, secure: false, maxAge: 0 }),
      'a=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
    )
  })

  it('refuses values outside cookie-octet and invalid names', () => {
    for (const v of ['a;b', 'a b', 'a"b', 'a,b', 'a\\b', 'é', 'a\nb', 'a\x7fb']) {
      assert.throws(() => serializeCookie('a', v, base), TypeError, JSON.stringify(v))
    }
    for (const n of ['', 'a b', 'a;b', 'a=b', 'é', '(a)']) {
      assert.throws(() => serializeCookie(n, 'v', base), TypeError, JSON.stringify(n))
    }
  })

  it('refuses unsafe attribute combinations', () => {
    assert.throws(
      () => serializeCookie('a', 'b', { ...base, secure: false, sameSite: 'None' }),
      /Secure/,
    )
    assert.throws(() => serializeCookie('__Host-a', 'b', { ...base, secure: false }), /Secure/)
    assert.throws(() => serializeCookie('__Secure-a', 'b', { ...base, secure: false }), /Secure/)
    assert.throws(() => serializeCookie('__Host-a', 'b', { ...base, path: '/x' }), /Path/)
    assert.throws(
      () => serializeCookie('__Host-a', 'b', { ...base, domain: 'a.example' }),
      /Domain/,
    )
    assert.throws(() => serializeCookie('a', 'b', { ...base, maxAge: -1 }), /Max-Age/)
    assert.throws(() => serializeCookie('a', 'b', { ...base, maxAge: 1.5 }), /Max-Age/)
    assert.throws(() => serializeCookie('a', 'b', { ...base, path: '/a;b' }), /path/)
    assert.throws(() => serializeCookie('a', 'b', { ...base, domain: 'a;b' }), /domain/)
  })
})

describe('isPlainHttpLoopback / cookieSecure', () => {
  it('is true only for plain-http loopback hosts', () => {
    for (const u of [
      'http://localhost:3000/',
      'http://127.0.0.1/',
      'http://127.1.2.3:8/',
      'http://[::1]:3000/',
      'http://app.localhost/',
    ]) {
      assert.equal(isPlainHttpLoopback(new URL(u)), true, u)
    }
    for (const u of [
      'https://localhost/',
      'http://app.example/',
      'http://10.0.0.1/',
      'http://localhost.example/',
      'http://[::2]/',
    ]) {
      assert.equal(isPlainHttpLoopback(new URL(u)), false, u)
    }
  })

  it("'auto' is Secure unless plain-http loopback; booleans win", () => {
    assert.equal(cookieSecure('auto', new URL('http://localhost/')), false)
    assert.equal(cookieSecure('auto', new URL('http://app.internal/')), true)
    assert.equal(cookieSecure('auto', new URL('https://app.example/')), true)
    assert.equal(cookieSecure(true, new URL('http://localhost/')), true)
    assert.equal(cookieSecure(false, new URL('https://app.example/')), false)
  })
})
