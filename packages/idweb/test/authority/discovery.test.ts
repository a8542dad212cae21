// These tests run against a deliberately misbehaving, scripted discovery server on 127.0.0.1:
// each route answers the way a broken or hostile provider might (wrong issuer, slow, not JSON),
// which a real provider cannot be made to do on demand.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { entraAuthority, oidcAuthority } from '../../src/authority/authority.ts'
import { DiscoveryCache } from '../../src/authority/discovery.ts'
import { isIdwebError } from '../../src/errors.ts'

const T = '72f988bf-86f1-41af-91ab-2d7cd011db47'
let base = ''
const hits = new Map<string, number>()
let flaky = 'up'
const server = createServer((req, res) => {
  const path = req.url ?? ''
  hits.set(path, (hits.get(path) ?? 0) + 1)
  const json = (body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const doc = (issuer: string) => ({
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/keys`,
  })
  if (path === `/${T}/v2.0/.well-known/openid-configuration`) {
    setTimeout(() => json(doc(`${base}/${T}/v2.0`)), 30)
  } else if (path === '/common/v2.0/.well-known/openid-configuration') {
    json(doc(`${base}/{tenantid}/v2.0`))
  } else if (path === '/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration') {
    json(doc(`${base}/${T}/v2.0`))
  } else if (path === '/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration') {
    json(doc(`${base}/common/v2.0`))
  } else if (path === '/mismatch/.well-known/openid-configuration') {
    json(doc('https://evil.example/'))
  } else if (path === '/slash/.well-known/openid-configuration') {
    json(doc(`${base}/slash/`))
  } else if (path === '/slow/.well-known/openid-configuration') {
    setTimeout(() => json(doc(`${base}/slow`)), 2000)
  } else if (path === '/html/.well-known/openid-configuration') {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<html>login</html>')
  } else if (path === '/broken/.well-known/openid-configuration') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"issuer": ')
  } else if (path === '/flaky/.well-known/openid-configuration') {
    if (flaky === 'up') json(doc(`${base}/flaky`))
    else {
      res.writeHead(500)
      res.end()
    }
  } else {
    res.writeHead(404)
    res.end()
  }
})
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => server.close())

const failed = (pattern: RegExp) => (e: unknown) =>
  isIdwebError(e, 'IDW_DISCOVERY_FAILED') && pattern.test((e as Error).message)

describe('DiscoveryCache', () => {
  test('20 concurrent callers cause one request; later calls hit the cache', async () => {
    const cache = new DiscoveryCache({ allowInsecureHttp: true })
    const authority = entraAuthority(`${base}/`, T)
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.get(authority)))
    assert.equal(hits.get(`/${T}/v2.0/.well-known/openid-configuration`), 1)
    assert.ok(results.every((r) => r === results[0]))
    assert.equal(results[0]?.issuer, `${base}/${T}/v2.0`)
    assert.ok(Object.isFrozen(results[0]))
    await cache.get(authority)
    assert.equal(hits.get(`/${T}/v2.0/.well-known/openid-configuration`), 1)
  })

  test('the document is fetched again after the TTL', async () => {
    let now = 0
    const cache = new DiscoveryCache({ allowInsecureHttp: true, ttlSeconds: 10, now: () => now })
    const authority = oidcAuthority(`${base}/flaky`)
    flaky = 'up'
    const before = hits.get('/flaky/.well-known/openid-configuration') ?? 0
    await cache.get(authority)
    now = 11_000
    await cache.get(authority)
    assert.equal(hits.get('/flaky/.well-known/openid-configuration'), before + 2)
  })

  test('a failed refresh keeps serving the previous document; a first failure is an error', async () => {
    let now = 0
    const cache = new DiscoveryCache({ allowInsecureHttp: true, ttlSeconds: 10, now: () => now })
    const authority = oidcAuthority(`${base}/flaky`)
    flaky = 'up'
    const first = await cache.get(authority)
    flaky = 'down'
    now = 11_000
    assert.equal(await cache.get(authority), first)
    cache.clear()
    await assert.rejects(cache.get(authority), failed(/flaky/))
    flaky = 'up'
  })

  test('multi-tenant: the {tenantid} template issuer is accepted', async () => {
    const as = await new DiscoveryCache({ allowInsecureHttp: true }).get(
      entraAuthority(`${base}/`, 'common'),
    )
    assert.equal(as.issuer, `${base}/{tenantid}/v2.0`)
  })

  test('domain-named tenant: a GUID issuer on the same origin is accepted, anything else refused', async () => {
    const cache = new DiscoveryCache({ allowInsecureHttp: true })
    assert.equal(
      (await cache.get(entraAuthority(`${base}/`, 'contoso.onmicrosoft.com'))).issuer,
      `${base}/${T}/v2.0`,
    )
    await assert.rejects(
      cache.get(entraAuthority(`${base}/`, 'fabrikam.onmicrosoft.com')),
      failed(/common\/v2\.0/),
    )
  })

  test('issuer mismatch is an error naming both issuers', async () => {
    const cache = new DiscoveryCache({ allowInsecureHttp: true })
    await assert.rejects(
      cache.get(oidcAuthority(`${base}/mismatch`)),
      failed(/evil\.example.*mismatch|mismatch.*evil\.example/),
    )
  })

  test('a trailing-slash difference in the issuer is an error', async () => {
    const cache = new DiscoveryCache({ allowInsecureHttp: true })
    await assert.rejects(
      cache.get(oidcAuthority(`${base}/slash`)),
      failed(/slash\/ .*slash|expected/),
    )
  })

  test('a provider slower than the timeout is an error', async () => {
    const cache = new DiscoveryCache({ allowInsecureHttp: true, timeoutMs: 200 })
    const started = Date.now()
    await assert.rejects(cache.get(oidcAuthority(`${base}/slow`)), failed(/200 ms/))
    assert.ok(Date.now() - started < 1500)
  })

  test('non-JSON and truncated JSON are errors', async () => {
    const cache = new DiscoveryCache({ allowInsecureHttp: true })
    await assert.rejects(cache.get(oidcAuthority(`${base}/html`)), failed(/html/))
    await assert.rejects(cache.get(oidcAuthority(`${base}/broken`)), failed(/broken/))
  })

  test('a 404 is an error, and the failure is remembered only briefly', async () => {
    let now = 0
    const cache = new DiscoveryCache({
      allowInsecureHttp: true,
      failureTtlSeconds: 5,
      now: () => now,
    })
    const authority = oidcAuthority(`${base}/missing`)
    await assert.rejects(cache.get(authority), failed(/missing/))
    await assert.rejects(cache.get(authority))
    assert.equal(hits.get('/missing/.well-known/openid-configuration'), 1)
    now = 6000
    await assert.rejects(cache.get(authority))
    assert.equal(hits.get('/missing/.well-known/openid-configuration'), 2)
  })

  test('http is refused unless allowInsecureHttp', async () => {
    await assert.rejects(new DiscoveryCache().get(oidcAuthority(`${base}/flaky`)), failed(/HTTPS/i))
  })

  test('customFetch is used when given', async () => {
    const urls: string[] = []
    const cache = new DiscoveryCache({
      fetch: async (url) => {
        urls.push(url)
        return Response.json({ issuer: 'https://idp.example/' })
      },
    })
    assert.equal(
      (await cache.get(oidcAuthority('https://idp.example/'))).issuer,
      'https://idp.example/',
    )
    assert.deepEqual(urls, ['https://idp.example/.well-known/openid-configuration'])
  })
})
