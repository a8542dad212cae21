import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import type { CacheStore } from '../../src/cache/store.ts'

/** The optional parts of the store contract a store implements. */
export interface StoreCapabilities {
  compareAndSet: boolean
  lock: boolean
  /** Change notices to other instances (`watch`). Default false. */
  watch?: boolean
}

/**
 * The behaviour every {@link CacheStore} must have. Each store's test file calls it with a
 * factory; each test gets a fresh store and its own key namespace, so a shared server works.
 *
 * @example
 * ```ts
 * runStoreConformance('MemoryStore', () => new MemoryStore())
 * runStoreConformance('FileStore', () => new FileStore(dir), { compareAndSet: true, lock: false })
 * ```
 *
 * Capabilities are declared, not detected: the tests of a declared capability run, and a store
 * must not implement one it does not declare (so a store cannot silently lose a capability and
 * with it the tests that check it). Nothing is ever skipped.
 */
export function runStoreConformance(
  name: string,
  makeStore: () => CacheStore | Promise<CacheStore>,
  capabilities: StoreCapabilities = { compareAndSet: true, lock: true },
): void {
  describe(`store conformance: ${name}`, () => {
    const opened: CacheStore[] = []
    const written = new Set<string>()
    const fresh = async () => {
      const store = await makeStore()
      opened.push(store)
      return {
        store: recording(store, written),
        ns: `conformance:${randomBytes(6).toString('hex')}:`,
      }
    }
    after(async () => {
      // Shared servers keep nothing of the suite.
      const cleaner = opened[0]
      for (const key of written) await cleaner?.delete(key).catch(() => {})
      for (const s of opened) await s.close?.()
    })

    it('get returns undefined for an absent key', async () => {
      const { store, ns } = await fresh()
      assert.equal(await store.get(`${ns}absent`), undefined)
    })

    it('set then get returns the same bytes; set replaces', async () => {
      const { store, ns } = await fresh()
      await store.set(`${ns}a`, bytes('first'))
      assert.deepEqual(await store.get(`${ns}a`), bytes('first'))
      await store.set(`${ns}a`, bytes('second'))
      assert.deepEqual(await store.get(`${ns}a`), bytes('second'))
    })

    it('keeps keys apart', async () => {
      const { store, ns } = await fresh()
      await store.set(`${ns}a`, bytes('A'))
      await store.set(`${ns}b`, bytes('B'))
      assert.deepEqual(await store.get(`${ns}a`), bytes('A'))
      assert.deepEqual(await store.get(`${ns}b`), bytes('B'))
    })

    it('delete removes; deleting an absent key is not an error', async () => {
      const { store, ns } = await fresh()
      await store.set(`${ns}a`, bytes('A'))
      await store.delete(`${ns}a`)
      assert.equal(await store.get(`${ns}a`), undefined)
      await store.delete(`${ns}never`)
    })

    it('is binary safe: every byte value, NULs, invalid UTF-8, empty and 1 MiB values', async () => {
      const { store, ns } = await fresh()
      const all = Uint8Array.from({ length: 256 }, (_, i) => i)
      const invalidUtf8 = Uint8Array.from([0xc3, 0x28, 0x00, 0xff, 0xfe, 0xed, 0xa0, 0x80])
      const large = randomBytes(1024 * 1024)
      for (const [k, v] of [
        ['all', all],
        ['utf8', invalidUtf8],
        ['empty', new Uint8Array(0)],
        ['large', new Uint8Array(large)],
      ] as const) {
        await store.set(`${ns}${k}`, v)
        const back = await store.get(`${ns}${k}`)
        assert.ok(back instanceof Uint8Array, k)
        assert.equal(Buffer.compare(Buffer.from(back), Buffer.from(v)), 0, k)
      }
    })

    it('does not let a caller alias stored bytes', async () => {
      const { store, ns } = await fresh()
      const value = bytes('abc')
      await store.set(`${ns}a`, value)
      value[0] = 0x7a
      const read = await store.get(`${ns}a`)
      assert.deepEqual(read, bytes('abc'))
      read![1] = 0x7a
      assert.deepEqual(await store.get(`${ns}a`), bytes('abc'))
    })

    it('expires an entry after its TTL, and set without TTL keeps it', async () => {
      const { store, ns } = await fresh()
      await store.set(`${ns}short`, bytes('x'), 1)
      await store.set(`${ns}long`, bytes('y'))
      assert.deepEqual(await store.get(`${ns}short`), bytes('x'))
      await sleep(1200)
      assert.equal(await store.get(`${ns}short`), undefined)
      assert.deepEqual(await store.get(`${ns}long`), bytes('y'))
    })

    it('implements exactly the declared optional capabilities', async () => {
      const { store } = await fresh()
      assert.equal(typeof store.compareAndSet === 'function', capabilities.compareAndSet)
      assert.equal(typeof store.lock === 'function', capabilities.lock)
      assert.equal(typeof store.watch === 'function', capabilities.watch === true)
    })

    if (capabilities.compareAndSet)
      describe('compareAndSet', () => {
        it('writes when absent was expected and the key is absent, only once', async () => {
          const { store, ns } = await fresh()
          assert.ok(store.compareAndSet)
          assert.equal(await store.compareAndSet(`${ns}a`, undefined, bytes('1')), true)
          assert.equal(await store.compareAndSet(`${ns}a`, undefined, bytes('2')), false)
          assert.deepEqual(await store.get(`${ns}a`), bytes('1'))
        })

        it('writes only when the current value equals the expected one', async () => {
          const { store, ns } = await fresh()
          assert.ok(store.compareAndSet)
          await store.set(`${ns}a`, bytes('v1'))
          assert.equal(await store.compareAndSet(`${ns}a`, bytes('v0'), bytes('v2')), false)
          assert.equal(await store.compareAndSet(`${ns}a`, bytes('v1x'), bytes('v2')), false)
          assert.equal(await store.compareAndSet(`${ns}a`, undefined, bytes('v2')), false)
          assert.deepEqual(await store.get(`${ns}a`), bytes('v1'))
          assert.equal(await store.compareAndSet(`${ns}a`, bytes('v1'), bytes('v2')), true)
          assert.deepEqual(await store.get(`${ns}a`), bytes('v2'))
        })

        it('fails when a value was expected but the key was deleted', async () => {
          const { store, ns } = await fresh()
          assert.ok(store.compareAndSet)
          await store.set(`${ns}a`, bytes('v1'))
          await store.delete(`${ns}a`)
          assert.equal(await store.compareAndSet(`${ns}a`, bytes('v1'), bytes('v2')), false)
          assert.equal(await store.get(`${ns}a`), undefined)
        })

        it('loses no update under concurrent read-modify-write', async () => {
          const { store, ns } = await fresh()
          const cas = store.compareAndSet?.bind(store)
          assert.ok(cas)
          const key = `${ns}counter`
          const writers = 8
          const each = 10
          const increment = async () => {
            for (;;) {
              const current = await store.get(key)
              const n = current === undefined ? 0 : Number(Buffer.from(current).toString())
              if (await cas(key, current, bytes(String(n + 1)))) return
            }
          }
          await Promise.all(
            Array.from({ length: writers }, async () => {
              for (let i = 0; i < each; i++) await increment()
            }),
          )
          assert.equal(Buffer.from((await store.get(key))!).toString(), String(writers * each))
        })
      })

    if (capabilities.watch)
      describe('watch', () => {
        it('tells another instance of every write, compare-and-set and delete; not the writer itself', async () => {
          const { store: writer, ns } = await fresh()
          const { store: reader } = await fresh()
          const seen: string[] = []
          const own: string[] = []
          // The reader holds the key, as an instance with it in memory would.
          assert.equal(await reader.get(`${ns}a`), undefined)
          const stopReader = await reader.watch!({ changed: (k) => seen.push(k), gap() {} })
          const stopWriter = await writer.watch!({ changed: (k) => own.push(k), gap() {} })
          // A notice may be slow on a loaded machine: wait for it up to a deadline, not a count.
          const until = async (n: number) => {
            const deadline = Date.now() + 5000
            while (seen.filter((k) => k.startsWith(ns)).length < n && Date.now() < deadline) {
              await sleep(10)
            }
          }
          await writer.set(`${ns}a`, bytes('1'))
          await until(1)
          await writer.compareAndSet?.(`${ns}a`, bytes('1'), bytes('2'))
          await until(2)
          await writer.delete(`${ns}a`)
          await until(3)
          assert.deepEqual(
            seen.filter((k) => k.startsWith(ns)),
            [`${ns}a`, `${ns}a`, `${ns}a`],
          )
          await sleep(100)
          assert.deepEqual(
            own.filter((k) => k.startsWith(ns)),
            [],
            'no notice of its own writes',
          )
          await stopReader()
          await stopWriter()
        })
      })

    if (capabilities.lock)
      describe('lock', () => {
        it('is exclusive until released', async () => {
          const { store, ns } = await fresh()
          const lock = store.lock?.bind(store)
          assert.ok(lock)
          const release = await lock(`${ns}l`, 5000, 0)
          assert.ok(release)
          assert.equal(await lock(`${ns}l`, 5000, 50), undefined)
          assert.ok(await lock(`${ns}other`, 5000, 0), 'another lock name is independent')
          await release()
          const again = await lock(`${ns}l`, 5000, 0)
          assert.ok(again)
          await again()
        })

        it('hands the lock to a waiter when released', async () => {
          const { store, ns } = await fresh()
          const lock = store.lock?.bind(store)
          assert.ok(lock)
          const release = await lock(`${ns}l`, 5000, 0)
          const waiter = lock(`${ns}l`, 5000, 2000)
          await sleep(30)
          await release!()
          const second = await waiter
          assert.ok(second)
          await second()
        })

        it('expires after its TTL; the old holder cannot release the new one', async () => {
          const { store, ns } = await fresh()
          const lock = store.lock?.bind(store)
          assert.ok(lock)
          const stale = await lock(`${ns}l`, 100, 0)
          assert.ok(stale)
          const next = await lock(`${ns}l`, 5000, 3000)
          assert.ok(next, 'taken after the first holder expired')
          await stale()
          assert.equal(await lock(`${ns}l`, 5000, 0), undefined, 'stale release freed nothing')
          await next()
        })

        it('admits exactly one holder among concurrent contenders', async () => {
          const { store, ns } = await fresh()
          const lock = store.lock?.bind(store)
          assert.ok(lock)
          let inside = 0
          let maxInside = 0
          await Promise.all(
            Array.from({ length: 10 }, async () => {
              // Ten in turn, each a round trip or two: room for a loaded machine.
              const release = await lock(`${ns}l`, 5000, 15_000)
              assert.ok(release)
              inside++
              maxInside = Math.max(maxInside, inside)
              await sleep(5)
              inside--
              await release()
            }),
          )
          assert.equal(maxInside, 1)
        })
      })
  })
}

/** `store`, noting every key written through it into `keys`. */
function recording(store: CacheStore, keys: Set<string>): CacheStore {
  const wrapped: CacheStore = {
    get: (key) => store.get(key),
    set: (key, value, ttl) => {
      keys.add(key)
      return store.set(key, value, ttl)
    },
    delete: (key) => store.delete(key),
  }
  const cas = store.compareAndSet?.bind(store)
  if (cas) {
    wrapped.compareAndSet = (key, expected, next, ttl) => {
      keys.add(key)
      return cas(key, expected, next, ttl)
    }
  }
  if (store.lock) wrapped.lock = store.lock.bind(store)
  if (store.watch) wrapped.watch = store.watch.bind(store)
  return wrapped
}

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
