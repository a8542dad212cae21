import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { TokenAcquirer } from '../../src/acquisition/acquirer.ts'
import { MemoryStore } from '../../src/cache/stores/memory.ts'
import { TokenCache } from '../../src/cache/token-cache.ts'
import type { LogFields, Logger } from '../../src/logger.ts'

const HOME = 'oid-remove-me.tid-1'

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = []
  const at = (level: string) => (message: string, fields?: LogFields) =>
    lines.push({ level, message, ...(fields ? { fields } : {}) })
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
  return { logger, lines }
}

async function setup(store: MemoryStore) {
  const { logger, lines } = recordingLogger()
  const cache = new TokenCache({ store, keys: [{ id: 'k1', key: randomBytes(32) }], logger })
  const acquirer = new TokenAcquirer({
    cache,
    clientId: 'client',
    environment: 'login.example',
    authorityType: 'MSSTS',
    logger,
    protocol: () => Promise.reject(new Error('no provider in this test')),
  })
  const p = await cache.partition(HOME)
  p.saveTokenResponse({
    clientId: 'client',
    environment: 'login.example',
    realm: 'tid-1',
    scopes: ['User.Read'],
    accessToken: 'at',
    refreshToken: 'rt',
    account: { homeAccountId: HOME, localAccountId: 'oid', username: 'u@example' },
  })
  assert.equal(await cache.flush(p), 'written')
  return { acquirer, lines }
}

describe('removeAccount (sign-out)', () => {
  it('removes the partition from the store and says so', async () => {
    const store = new MemoryStore()
    const { acquirer, lines } = await setup(store)
    assert.equal(await acquirer.removeAccount(HOME), true)
    assert.equal(store.size, 0, 'nothing left in the store')
    assert.ok(lines.some((l) => l.level === 'info' && /removed/.test(l.message)))
  })

  it('reports a store that does not confirm, loudly and without the raw account id', async () => {
    const store = new MemoryStore()
    const { acquirer, lines } = await setup(store)
    store.delete = () => Promise.reject(new Error('store is down'))
    assert.equal(await acquirer.removeAccount(HOME), false)
    const error = lines.find((l) => l.level === 'error' && /did not confirm/.test(l.message))
    assert.ok(error, JSON.stringify(lines))
    assert.doesNotMatch(JSON.stringify(lines), /oid-remove-me/)
  })
})
