import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Partition } from '../../src/cache/partition.ts'
import { Sealer } from '../../src/cache/seal.ts'
import { storeKeyOf } from '../../src/cache/store-call.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import { isIdwebError } from '../../src/errors.ts'
import { CLIENT, ENV, newKey, TENANT } from './fixtures.ts'

const sectionNames = [
  'Account',
  'IdToken',
  'AccessToken',
  'RefreshToken',
  'AppMetadata',
  '__proto__',
]
const fieldNames = [
  'home_account_id',
  'environment',
  'realm',
  'local_account_id',
  'username',
  'authority_type',
  'credential_type',
  'client_id',
  'secret',
  'target',
  'cached_at',
  'expires_on',
  'refresh_on',
  'extended_expires_on',
  'token_type',
  'family_id',
  '__proto__',
  'constructor',
]
const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'AccessToken',
    'RefreshToken',
    'IdToken',
    'Bearer',
    'pop',
    '1700000000',
    '-1',
    '',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
)
const entity = fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(scalar, fc.array(scalar)))
/** Cache-shaped JSON: right sections, entities of mixed validity. */
const cacheLike = fc.dictionary(
  fc.constantFrom(...sectionNames),
  fc.oneof(fc.dictionary(fc.string(), fc.oneof(entity, scalar)), scalar, fc.array(entity)),
)
const anyText = fc.oneof(
  fc.string(),
  fc.json(),
  cacheLike.map((o) => JSON.stringify(o)),
)

function onlyTypedErrors(run: () => void): void {
  try {
    run()
  } catch (err) {
    assert.ok(isIdwebError(err, 'IDW_CACHE_CORRUPT'), `untyped error escaped: ${String(err)}`)
  }
}

describe('deserialize garbage', () => {
  it('throws nothing but IDW_CACHE_CORRUPT, and what it accepts is usable', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        onlyTypedErrors(() => {
          const p = Partition.deserialize('k', text)
          p.findAccessToken({ clientId: CLIENT, environment: ENV, realm: TENANT, scopes: ['a'] })
          p.findRefreshToken({ clientId: CLIENT, environment: ENV })
          p.account()
          Partition.deserialize('k', p.serialize())
          assert.equal(Object.getPrototypeOf({}), Object.prototype)
        })
      }),
      { numRuns: 3000 },
    )
  })

  it('opening random or mutated blobs never returns plaintext and never throws untyped', () => {
    const sealer = new Sealer([newKey('k1')])
    const good = sealer.seal('p', '{"AccessToken":{}}')
    const blobs = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
        const b = Uint8Array.from(good)
        b[i]! ^= x
        return b
      }),
    )
    fc.assert(
      fc.property(blobs, (blob) => {
        assert.throws(() => sealer.open('p', blob), { code: 'IDW_CACHE_CORRUPT' })
      }),
      { numRuns: 2000 },
    )
  })

  it('a cache reading garbage from its store answers an empty partition, never rejects', async () => {
    const store = new MemoryStore()
    const cache = new TokenCache({ store, keys: [newKey('k1')] })
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.string(), async (blob, key) => {
        await cache.remove(key)
        await store.set(storeKeyOf('idweb:tc:', key), blob)
        const p = await cache.partition(key)
        assert.ok(p.isEmpty)
        assert.equal(await store.get(storeKeyOf('idweb:tc:', key)), undefined, 'deleted')
      }),
      { numRuns: 300 },
    )
  })
})
