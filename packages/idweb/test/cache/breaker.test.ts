import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Breaker } from '../../src/cache/breaker.ts'

describe('Breaker', () => {
  it('opens after the threshold, refuses, probes once, and backs off up to the bound', () => {
    let now = 0
    const changes: [boolean, number][] = []
    const b = new Breaker({
      threshold: 3,
      minOpenMs: 100,
      maxOpenMs: 350,
      clock: () => now,
      onChange: (open, ms) => changes.push([open, ms]),
    })
    b.failure()
    b.failure()
    assert.equal(b.allow(), true, 'still closed after two failures')
    b.success()
    b.failure()
    b.failure()
    assert.equal(b.state, 'closed', 'a success resets the count')
    b.failure()
    assert.equal(b.state, 'open')
    assert.equal(b.allow(), false)
    now = 100
    assert.equal(b.allow(), true, 'one probe after the cooldown')
    assert.equal(b.allow(), false, 'and only one')
    b.failure()
    now = 299
    assert.equal(b.allow(), false, 'open twice as long after a failed probe')
    now = 300
    assert.equal(b.allow(), true)
    b.failure()
    now = 300 + 349
    assert.equal(b.allow(), false)
    now = 300 + 350
    assert.equal(b.allow(), true, 'never longer than maxOpenMs')
    b.success()
    assert.equal(b.state, 'closed')
    assert.deepEqual(changes, [
      [true, 100],
      [true, 200],
      [true, 350],
      [false, 0],
    ])
  })
})
