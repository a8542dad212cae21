import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadPeer } from '../../../src/cache/stores/driver.ts'
import { FileStore } from '../../../src/cache/stores/file.ts'
import { MemoryStore } from '../../../src/cache/stores/memory.ts'
import { filePath, LazyStore, openStore, storeKind } from '../../../src/cache/stores/open-store.ts'
import { RedisStore } from '../../../src/cache/stores/redis.ts'
import { SqlStore } from '../../../src/cache/stores/sql-store.ts'
import { loadAppSettings } from '../../../src/config/app-settings.ts'
import { resolveConfig } from '../../../src/config/resolve-config.ts'
import { isIdwebError } from '../../../src/errors.ts'
import { createIdweb } from '../../../src/web/idweb.ts'

const dir = mkdtempSync(join(tmpdir(), 'idweb-open-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const named = (setting: RegExp) => (err: unknown) =>
  isIdwebError(err, 'IDW_CONFIG_INVALID') && setting.test(err.message)
const AZURE = {
  Instance: 'https://login.microsoftonline.com/',
  TenantId: 'common',
  ClientId: 'c',
  ClientSecret: 's',
}
const SECRET = 'a-session-secret-for-the-store-url-tests-0001'

describe('stores by URL', () => {
  it('opens each store the URL names, on the real servers', async () => {
    const cases: [string, (s: unknown) => boolean][] = [
      ['memory', (s) => s instanceof MemoryStore],
      [`file:${join(dir, 'cache')}`, (s) => s instanceof FileStore],
      ['redis://127.0.0.1:6379', (s) => s instanceof RedisStore],
      ['postgres://postgres@127.0.0.1:5432/test', (s) => s instanceof SqlStore],
      ['mysql://root@127.0.0.1:3306/test', (s) => s instanceof SqlStore],
    ]
    for (const [url, is] of cases) {
      const store = await openStore(url)
      assert.ok(is(store), url)
      await store.set('idweb:open-store:probe', Uint8Array.of(7), 5)
      assert.deepEqual(await store.get('idweb:open-store:probe'), Uint8Array.of(7), url)
      await store.delete('idweb:open-store:probe')
      await store.close?.()
    }
  })

  it('refuses a URL that names no store, naming the setting', () => {
    for (const bad of ['', 'memcached://h', 'redis:/h', 'file:', 'http://h', 'redis://a,b']) {
      assert.throws(() => storeKind(bad), named(/Idweb\.TokenCache\.Store/), bad)
    }
  })

  it('reads file paths relative to the working directory, or absolute', () => {
    assert.equal(filePath('file:./c', '/srv/app'), '/srv/app/c')
    assert.equal(filePath('file:c', '/srv/app'), '/srv/app/c')
    assert.equal(filePath('file:///var/cache/idweb'), '/var/cache/idweb')
  })

  it('a missing driver names the setting and the npm install line', async () => {
    await assert.rejects(
      loadPeer('idweb-no-such-driver', 'idweb-no-such-driver', 'Idweb.TokenCache.Store'),
      named(/Idweb\.TokenCache\.Store.*npm install idweb-no-such-driver/),
    )
  })

  it('Idweb.TokenCache.Store comes from appsettings.json or the environment, and is validated at startup', () => {
    const settings = {
      AzureAd: AZURE,
      Idweb: { Session: { Secrets: [SECRET] }, TokenCache: { Store: 'file:./x' } },
    }
    assert.equal(resolveConfig(loadAppSettings(settings, { env: {} })).tokenCache.store, 'file:./x')
    const fromEnv = loadAppSettings(settings, {
      env: { Idweb__TokenCache__Store: 'redis://127.0.0.1:6379' },
    })
    assert.equal(resolveConfig(fromEnv).tokenCache.store, 'redis://127.0.0.1:6379')
    assert.equal(
      resolveConfig(loadAppSettings({ AzureAd: AZURE }, { env: {} })).tokenCache.store,
      'memory',
    )
    assert.throws(
      () =>
        resolveConfig(loadAppSettings(settings, { env: { Idweb__TokenCache__Store: 'redis//x' } })),
      named(/Idweb\.TokenCache\.Store/),
    )
    assert.throws(
      () =>
        resolveConfig(
          loadAppSettings({ ...settings, Idweb: { TokenCache: { EncryptionKeys: ['short'] } } }),
        ),
      named(/Idweb\.TokenCache\.EncryptionKeys\[0\]/),
    )
  })

  it('an unreachable store: idweb.ready() rejects naming the setting; requests still work (misses)', async () => {
    const idweb = createIdweb(
      loadAppSettings(
        {
          AzureAd: AZURE,
          Idweb: { Session: { Secrets: [SECRET] }, TokenCache: { Store: 'redis://127.0.0.1:1' } },
        },
        { env: {} },
      ),
      { env: {} },
    )
    await assert.rejects(idweb.ready(), named(/Idweb\.TokenCache\.Store.*cannot connect to Redis/))
    const p = await idweb.cache.partition('oid.tid')
    assert.equal(p.isEmpty, true, 'a miss, not an error')
    await idweb.close()
  })

  it('a lazy store retries opening after a failure, at most once per interval', async () => {
    let attempts = 0
    const lazy = new LazyStore(
      async () => {
        attempts++
        if (attempts < 2) throw new Error('not yet')
        return new MemoryStore()
      },
      { retryMs: 50 },
    )
    await assert.rejects(lazy.get('a'))
    await assert.rejects(lazy.get('a'), /retrying shortly/)
    assert.equal(attempts, 1)
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(await lazy.get('a'), undefined)
    assert.equal(attempts, 2)
  })
})
