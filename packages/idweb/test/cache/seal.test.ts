import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Sealer } from '../../src/cache/seal.ts'
import { newKey } from './fixtures.ts'

const secret = '{"AccessToken":{"k":{"secret":"eyJ0eXAiOiJKV1Qi-the-token"}}}'

describe('Sealer', () => {
  it('opens what it sealed, under the same partition key', () => {
    const s = new Sealer([newKey('k1')])
    const blob = s.seal('oid.tid', secret)
    assert.equal(Buffer.from(s.open('oid.tid', blob)).toString(), secret)
    assert.equal(Sealer.keyIdOf(blob), 'k1')
  })

  it('never stores plaintext, and seals the same input differently each time', () => {
    const s = new Sealer([newKey('k1')])
    const a = s.seal('p', secret)
    const b = s.seal('p', secret)
    assert.equal(Buffer.from(a).includes('the-token'), false)
    assert.notDeepEqual(a, b)
  })

  it('refuses a blob sealed for another partition (associated data)', () => {
    const s = new Sealer([newKey('k1')])
    const blob = s.seal('alice.tid', secret)
    assert.throws(() => s.open('bob.tid', blob), { code: 'IDW_CACHE_CORRUPT' })
  })

  it('refuses every single-byte alteration: header, IV, ciphertext and tag', () => {
    const s = new Sealer([newKey('k1')])
    const blob = s.seal('p', secret)
    for (let i = 0; i < blob.length; i++) {
      const bad = Uint8Array.from(blob)
      bad[i]! ^= 0x01
      assert.throws(() => s.open('p', bad), { code: 'IDW_CACHE_CORRUPT' }, `byte ${i}`)
    }
  })

  it('refuses every truncation and extension', () => {
    const s = new Sealer([newKey('k1')])
    const blob = s.seal('p', secret)
    for (let n = 0; n < blob.length; n++) {
      assert.throws(() => s.open('p', blob.subarray(0, n)), { code: 'IDW_CACHE_CORRUPT' }, `${n}`)
    }
    const longer = new Uint8Array(blob.length + 1)
    longer.set(blob)
    assert.throws(() => s.open('p', longer), { code: 'IDW_CACHE_CORRUPT' })
  })

  it('refuses plaintext JSON and a blob naming an unknown key id', () => {
    const s = new Sealer([newKey('k1')])
    assert.throws(() => s.open('p', Buffer.from(secret)), { code: 'IDW_CACHE_CORRUPT' })
    const other = new Sealer([newKey('k2')]).seal('p', secret)
    assert.throws(() => s.open('p', other), /not in the key ring/)
    const sameIdOtherBytes = new Sealer([newKey('k1')]).seal('p', secret)
    assert.throws(() => s.open('p', sameIdOtherBytes), { code: 'IDW_CACHE_CORRUPT' })
  })

  it('rotates: seals with the first key, still opens blobs of older keys in the ring', () => {
    const old = newKey('2024')
    const fresh = newKey('2025')
    const before = new Sealer([old]).seal('p', secret)
    const rotated = new Sealer([fresh, old])
    assert.equal(rotated.currentKeyId, '2025')
    assert.equal(Buffer.from(rotated.open('p', before)).toString(), secret)
    const after = rotated.seal('p', secret)
    assert.equal(Sealer.keyIdOf(after), '2025')
    assert.throws(() => new Sealer([old]).open('p', after), { code: 'IDW_CACHE_CORRUPT' })
    assert.throws(() => new Sealer([fresh]).open('p', before), { code: 'IDW_CACHE_CORRUPT' })
  })

  it('refuses a bad key ring at construction, naming the setting', () => {
    const k = newKey('a')
    for (const ring of [
      [],
      [{ id: 'a', key: new Uint8Array(16) }],
      [{ id: 'a', key: new Uint8Array(32) }],
      [{ id: 'bad id', key: k.key }],
      [k, { ...newKey('a') }],
    ]) {
      assert.throws(() => new Sealer(ring), { code: 'IDW_CONFIG_INVALID', key: 'cache.keys' })
    }
  })
})
