import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import mysql from 'mysql2/promise'
import { connectMysqlStore } from '../../../src/cache/stores/mysql.ts'
import { isIdwebError } from '../../../src/errors.ts'
import { runStoreConformance } from '../store-conformance.ts'

// The shared server of the machine (and of CI): tables of their own, dropped afterwards.
const SHARED = process.env.IDWEB_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const table = `idweb_test_${randomBytes(4).toString('hex')}`
const admin = mysql.createPool({ uri: SHARED, connectionLimit: 2 })
after(async () => {
  await admin.query(
    `DROP TABLE IF EXISTS ${table}, ${table}_2, ${table}_3, ${table}_changes, ${table}_2_changes, ${table}_3_changes`,
  )
  await admin.query('DELETE FROM idweb_schema WHERE component LIKE ?', [`${table}%`])
  await admin.end()
})
const rowsOf = async (sql: string, params: unknown[]) =>
  (await admin.query(sql, params))[0] as Record<string, unknown>[]

runStoreConformance(
  'MysqlStore (shared server)',
  () => connectMysqlStore(SHARED, { table, lockPollMs: 5 }),
  { compareAndSet: true, lock: true, watch: true },
)

describe('MysqlStore schema and maintenance', () => {
  it('creates its table once, even when instances start together, and records its version', async () => {
    const name = `${table}_2`
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => connectMysqlStore(SHARED, { table: name })),
    )
    const rows = await rowsOf('SELECT version FROM idweb_schema WHERE component = ?', [name])
    assert.deepEqual(rows, [{ version: 2 }])
    const index = await rowsOf(`SHOW INDEX FROM ${name}`, [])
    assert.ok(
      index.some((r) => r.Key_name === `${name}_expires`),
      'expiry is indexed',
    )
    for (const s of stores) await s.close()
  })

  it('migrates a table of an older schema step by step (1 → 2 adds the change log)', async () => {
    const name = `${table}_2`
    await (await connectMysqlStore(SHARED, { table: name })).close()
    await admin.query(`DROP TABLE ${name}_changes`)
    await admin.query('UPDATE idweb_schema SET version = 1 WHERE component = ?', [name])
    await (await connectMysqlStore(SHARED, { table: name })).close()
    assert.deepEqual(await rowsOf('SELECT version FROM idweb_schema WHERE component = ?', [name]), [
      { version: 2 },
    ])
    assert.equal((await rowsOf(`SHOW TABLES LIKE '${name}_changes'`, [])).length, 1)
  })

  it('refuses a table written by a newer schema, naming what to do', async () => {
    const name = `${table}_3`
    await (await connectMysqlStore(SHARED, { table: name })).close()
    await admin.query('UPDATE idweb_schema SET version = 99 WHERE component = ?', [name])
    await assert.rejects(connectMysqlStore(SHARED, { table: name }), (err: unknown) => {
      assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'))
      assert.match(err.message, /upgrade idweb/)
      return true
    })
  })

  it('sweeps expired rows in bounded batches and keeps live ones', async () => {
    const store = await connectMysqlStore(SHARED, { table, sweepEveryMs: 0 })
    const ns = `sweep:${randomBytes(4).toString('hex')}:`
    for (let i = 0; i < 1200; i++) await store.set(`${ns}${i}`, Uint8Array.of(i % 256), 0.001)
    await store.set(`${ns}live`, Uint8Array.of(1), 3600)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const swept = await store.sweep()
    assert.ok(swept >= 1200, `swept ${swept}`)
    assert.deepEqual(await store.get(`${ns}live`), Uint8Array.of(1))
    await store.close()
  })

  it('a bad URL, a bad table name or an unreachable server is a startup error naming the setting', async () => {
    for (const [url, opts] of [
      ['postgres://h/db', {}],
      ['mysql://root:s3cret@127.0.0.1:1/test', { connectTimeoutMs: 500 }],
      [SHARED, { table: 'x; DROP TABLE y' }],
    ] as const) {
      await assert.rejects(connectMysqlStore(url, opts), (err: unknown) => {
        assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'), String(err))
        assert.match(err.message, /Idweb\.TokenCache\.Store/)
        assert.doesNotMatch(err.message, /s3cret/)
        return true
      })
    }
  })
})
