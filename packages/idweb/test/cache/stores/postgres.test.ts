import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { connectPostgresStore } from '../../../src/cache/stores/postgres.ts'
import { isIdwebError } from '../../../src/errors.ts'
import { runStoreConformance } from '../store-conformance.ts'

// The shared server of the machine (and of CI): tables of their own, dropped afterwards.
const SHARED = process.env.IDWEB_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const table = `idweb_test_${randomBytes(4).toString('hex')}`
const admin = new pg.Pool({ connectionString: SHARED, max: 2 })
after(async () => {
  await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_2, ${table}_3`)
  await admin.query('DELETE FROM idweb_schema WHERE component LIKE $1', [`${table}%`])
  await admin.end()
})

runStoreConformance(
  'PostgresStore (shared server)',
  () => connectPostgresStore(SHARED, { table, lockPollMs: 5 }),
  { compareAndSet: true, lock: true, watch: true },
)

describe('PostgresStore schema and maintenance', () => {
  it('creates its table once, even when instances start together, and records its version', async () => {
    const name = `${table}_2`
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => connectPostgresStore(SHARED, { table: name })),
    )
    const { rows } = await admin.query('SELECT version FROM idweb_schema WHERE component = $1', [
      name,
    ])
    assert.deepEqual(rows, [{ version: 1 }])
    const index = await admin.query('SELECT indexname FROM pg_indexes WHERE tablename = $1', [name])
    assert.ok(
      index.rows.some((r) => r.indexname === `${name}_expires`),
      'expiry is indexed',
    )
    for (const s of stores) await s.close()
  })

  it('refuses a table written by a newer schema, naming what to do', async () => {
    const name = `${table}_3`
    await (await connectPostgresStore(SHARED, { table: name })).close()
    await admin.query('UPDATE idweb_schema SET version = 99 WHERE component = $1', [name])
    await assert.rejects(connectPostgresStore(SHARED, { table: name }), (err: unknown) => {
      assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'))
      assert.match(err.message, /upgrade idweb/)
      return true
    })
  })

  it('sweeps expired rows in bounded batches and keeps live ones', async () => {
    const store = await connectPostgresStore(SHARED, { table, sweepEveryMs: 0 })
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
      ['mysql://h/db', {}],
      ['postgres://postgres:s3cret@127.0.0.1:1/test', { connectTimeoutMs: 500 }],
      [SHARED, { table: 'x; DROP TABLE y' }],
    ] as const) {
      await assert.rejects(connectPostgresStore(url, opts), (err: unknown) => {
        assert.ok(isIdwebError(err, 'IDW_CONFIG_INVALID'), String(err))
        assert.match(err.message, /Idweb\.TokenCache\.Store/)
        assert.doesNotMatch(err.message, /s3cret/)
        return true
      })
    }
  })
})
