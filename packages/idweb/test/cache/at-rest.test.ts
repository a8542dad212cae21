// What a real store holds after a real sign-in, read back with the store's own tools (Redis SCAN,
// SELECT *, the folder's files): sealed bytes only. And entries tampered with in the store itself.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { cacheKeysFromSecrets } from '../../src/cache/key-ring.ts'
import { storeKeyOf } from '../../src/cache/store-call.ts'
import { openStore } from '../../src/cache/stores/open-store.ts'
import { tagged } from '../../src/cache/stores/redis.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { captureLogger } from '../api/support/capture-logger.ts'
import { alice, browserRequest, demo, startHarness } from '../web/harness.ts'
import { CLIENT, ENV, home, TENANT, userResponse } from './fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'idweb-at-rest-'))
const folder = join(dir, 'cache')
const redis = new Redis('redis://127.0.0.1:6379')
const postgres = new pg.Pool({
  connectionString: 'postgres://postgres@127.0.0.1:5432/test',
  max: 2,
})
const maria = mysql.createPool({ uri: 'mysql://root@127.0.0.1:3306/test', connectionLimit: 2 })
after(async () => {
  redis.disconnect()
  await postgres.end()
  await maria.end()
  rmSync(dir, { recursive: true, force: true })
})

/** The raw bytes a store keeps, read with its own tools, and a way to overwrite one entry. */
interface Raw {
  url: string
  dump(): Promise<Buffer[]>
  read(storeKey: string): Promise<Buffer | undefined>
  write(storeKey: string, bytes: Buffer): Promise<void>
}

const stores: Raw[] = [
  {
    url: 'redis://127.0.0.1:6379',
    async dump() {
      const keys: string[] = []
      let cursor = '0'
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', 'idweb:*', 'COUNT', 1000)
        cursor = next
        keys.push(...found)
      } while (cursor !== '0')
      return (await Promise.all(keys.map((k) => redis.getBuffer(k)))).flatMap((v) => (v ? [v] : []))
    },
    read: async (key) => (await redis.getBuffer(tagged(key))) ?? undefined,
    write: async (key, bytes) => void (await redis.set(tagged(key), bytes)),
  },
  {
    url: 'postgres://postgres@127.0.0.1:5432/test',
    async dump() {
      const { rows } = await postgres.query('SELECT k, v FROM idweb_cache')
      return rows.map((r) => Buffer.concat([Buffer.from(r.k), r.v]))
    },
    async read(key) {
      const { rows } = await postgres.query('SELECT v FROM idweb_cache WHERE k = $1', [key])
      return rows[0]?.v
    },
    write: async (key, bytes) =>
      void (await postgres.query('UPDATE idweb_cache SET v = $2 WHERE k = $1', [key, bytes])),
  },
  {
    url: 'mysql://root@127.0.0.1:3306/test',
    async dump() {
      const [rows] = await maria.query('SELECT k, v FROM idweb_cache')
      return (rows as { k: Buffer; v: Buffer }[]).map((r) => Buffer.concat([r.k, r.v]))
    },
    async read(key) {
      const [rows] = await maria.query('SELECT v FROM idweb_cache WHERE k = ?', [key])
      return (rows as { v: Buffer }[])[0]?.v
    },
    write: async (key, bytes) =>
      void (await maria.query('UPDATE idweb_cache SET v = ? WHERE k = ?', [bytes, key])),
  },
  {
    url: `file:${folder}`,
    async dump() {
      return readdirSync(folder).map((name) =>
        Buffer.concat([Buffer.from(name), readFileSync(join(folder, name))]),
      )
    },
    async read(key) {
      try {
        return readFileSync(join(folder, fileName(key))).subarray(13)
      } catch {
        return undefined
      }
    },
    async write(key, bytes) {
      const path = join(folder, fileName(key))
      writeFileSync(path, Buffer.concat([readFileSync(path).subarray(0, 13), bytes]))
    },
  },
]

function fileName(key: string): string {
  return `${createHash('sha256').update(key).digest('base64url')}.entry`
}

const keys = cacheKeysFromSecrets(['a-cache-secret-for-the-at-rest-tests-000000000001'])
const query = { clientId: CLIENT, environment: ENV, realm: TENANT, scopes: ['User.Read'] }
/** Real stores on a loaded machine can be slower than the 250 ms default: not what is tested here. */
const storeTimeoutMs = 5000

for (const raw of stores) {
  const kind = raw.url.split(':')[0]
  describe(`${kind} at rest`, () => {
    it('after a real sign-in, the store holds no token, refresh token or email in plaintext', async () => {
      const h = await startHarness({
        app: { tokenCache: { store: raw.url, storeTimeoutMs } },
      })
      try {
        await h.idweb.ready()
        assert.equal((await h.signIn(alice)).callback.status, 303)
        const { user } = await h.idweb.authenticate(browserRequest(h))
        assert.ok(user)
        const p = await h.idweb.cache.partition(user.account.homeAccountId)
        const at = p.accessTokens()[0]?.secret
        const rt = p.findRefreshToken({
          clientId: demo.apps.webApp.clientId,
          environment: h.idweb.config.authority.environment,
        })?.secret
        assert.ok(at && rt, 'the sign-in cached tokens')
        const dump = Buffer.concat(await raw.dump())
        assert.ok(dump.length > 0, 'the store holds the sign-in')
        for (const secret of [
          at,
          rt,
          at.split('.')[1] ?? '',
          demo.users.alice.username,
          user.account.homeAccountId,
        ]) {
          assert.equal(
            dump.includes(secret),
            false,
            `found in the ${kind} dump: ${secret.slice(0, 24)}…`,
          )
        }
        await h.idweb.acquirer.removeAccount(user.account.homeAccountId)
      } finally {
        await h.close()
      }
    })

    for (const [damage, change] of [
      [
        'a flipped byte',
        (b: Buffer) =>
          Buffer.concat([b.subarray(0, 40), Buffer.from([b[40]! ^ 1]), b.subarray(41)]),
      ],
      ['a truncation', (b: Buffer) => b.subarray(0, b.length - 5)],
    ] as const) {
      it(`an entry with ${damage} in the store is a miss: deleted, logged, nothing served`, async () => {
        const user = `damaged-${kind}-${damage.length}-${Date.now()}`
        const writer = new TokenCache({ store: await openStore(raw.url), keys, storeTimeoutMs })
        const p = await writer.partition(home(user))
        p.saveTokenResponse(userResponse(user))
        assert.equal(await writer.flush(p), 'written')
        const storeKey = storeKeyOf('idweb:tc:', home(user))
        const bytes = await raw.read(storeKey)
        assert.ok(bytes)
        await raw.write(storeKey, change(bytes))
        const log = captureLogger()
        const reader = new TokenCache({
          store: await openStore(raw.url),
          keys,
          storeTimeoutMs,
          logger: log,
        })
        const read = await reader.partition(home(user))
        assert.equal(read.findAccessToken(query), undefined, 'nothing served')
        assert.equal(reader.stats.corruptEntries, 1)
        assert.match(log.text(), /cannot be opened; deleted/)
        assert.equal(await raw.read(storeKey), undefined, 'deleted from the store')
        await writer.close()
        await reader.close()
      })
    }

    it('an entry copied under another account is a miss, never that account’s tokens', async () => {
      const [victim, attacker] = [`victim-${kind}-${Date.now()}`, `attacker-${kind}-${Date.now()}`]
      const cache = new TokenCache({ store: await openStore(raw.url), keys, storeTimeoutMs })
      for (const u of [victim, attacker]) {
        const p = await cache.partition(home(u))
        p.saveTokenResponse(userResponse(u))
        assert.equal(await cache.flush(p), 'written')
      }
      const victims = await raw.read(storeKeyOf('idweb:tc:', home(victim)))
      assert.ok(victims)
      await raw.write(storeKeyOf('idweb:tc:', home(attacker)), victims)
      const reader = new TokenCache({ store: await openStore(raw.url), keys, storeTimeoutMs })
      const read = await reader.partition(home(attacker))
      assert.equal(read.findAccessToken(query), undefined)
      assert.equal(JSON.stringify(read).includes(victim), false)
      assert.equal(reader.stats.corruptEntries, 1)
      await cache.remove(home(victim))
      await cache.close()
      await reader.close()
    })
  })
}
