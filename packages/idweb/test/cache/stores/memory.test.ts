import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MemoryStore } from '../../../src/cache/stores/memory.ts'
import { runStoreConformance } from '../store-conformance.ts'

runStoreConformance('MemoryStore', () => new MemoryStore())

describe('MemoryStore', () => {
  it('expires entries and locks by its injected clock', async () => {
    let now = 1_000_000
    const store = new MemoryStore({ clock: () => now })
    await store.set('a', Uint8Array.of(1), 60)
    const release = await store.lock('l', 1000, 0)
    assert.ok(release)
    now += 59_999
    assert.deepEqual(await store.get('a'), Uint8Array.of(1))
    now += 1
    assert.equal(await store.get('a'), undefined)
    assert.ok(await store.lock('l', 1000, 0), 'the lock expired with the clock')
  })

  it('refuses calls once closed', async () => {
    const store = new MemoryStore()
    await store.close()
    await assert.rejects(store.get('a'))
  })
})
