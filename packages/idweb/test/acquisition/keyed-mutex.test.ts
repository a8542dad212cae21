import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { KeyedMutex } from '../../src/acquisition/keyed-mutex.ts'

describe('KeyedMutex', () => {
  it('runs holders of one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex()
    const events: string[] = []
    let inside = 0
    let maxInside = 0
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        mutex.run('alice', async () => {
          inside++
          maxInside = Math.max(maxInside, inside)
          events.push(`in${i}`)
          await sleep(1)
          inside--
        }),
      ),
    )
    assert.equal(maxInside, 1)
    assert.deepEqual(
      events,
      Array.from({ length: 20 }, (_, i) => `in${i}`),
    )
    assert.equal(mutex.size, 0)
  })

  it('lets different keys run at once', async () => {
    const mutex = new KeyedMutex()
    let inside = 0
    let maxInside = 0
    const body = async () => {
      inside++
      maxInside = Math.max(maxInside, inside)
      await sleep(5)
      inside--
    }
    await Promise.all([mutex.run('a', body), mutex.run('b', body), mutex.run('c', body)])
    assert.equal(maxInside, 3)
  })

  it('releases the key when the holder throws, and the next holder still runs', async () => {
    const mutex = new KeyedMutex()
    const failed = mutex.run('k', async () => {
      throw new Error('boom')
    })
    const next = mutex.run('k', async () => 'ran')
    await assert.rejects(failed, /boom/)
    assert.equal(await next, 'ran')
    assert.equal(mutex.isLocked('k'), false)
  })
})
