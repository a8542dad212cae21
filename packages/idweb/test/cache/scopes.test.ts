// Scope sets: normalization, and the interning that spares the silent lookup any string work.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ScopeSet, scopeSet } from '../../src/cache/scopes.ts'

describe('scopeSet', () => {
  it('normalizes case, whitespace, order, duplicates and the OIDC scopes', () => {
    const set = scopeSet(['Mail.Read  User.Read', 'openid', 'user.read', 'offline_access'])
    assert.deepEqual(set.items, ['mail.read', 'user.read'])
    assert.equal(set.key, 'mail.read user.read')
    assert.equal(scopeSet(['User.Read Mail.Read']).key, set.key)
    assert.equal(scopeSet([' User.Read ']).key, 'user.read')
  })

  it('a frozen array maps to the same set every time; a ScopeSet is itself', () => {
    const graph = Object.freeze(['User.Read'])
    const set = scopeSet(graph)
    assert.equal(scopeSet(graph), set)
    assert.equal(scopeSet(set), set)
    assert.ok(set instanceof ScopeSet)
  })

  it('an array changed after use gives the set of what it holds now (regression)', () => {
    const scopes = ['User.Read']
    assert.equal(scopeSet(scopes).key, 'user.read')
    scopes.push('Mail.Read')
    assert.equal(scopeSet(scopes).key, 'mail.read user.read')
    scopes.splice(0, 2, 'Files.Read')
    assert.equal(scopeSet(scopes).key, 'files.read')
  })

  it('one scope holding a space and the two scopes it names are the same set', () => {
    assert.equal(scopeSet(['a b']).key, scopeSet(['a', 'b']).key)
  })

  it('a flood of distinct scope lists still answers rightly', () => {
    for (let i = 0; i < 5_000; i++) assert.equal(scopeSet([`S${i}`]).key, `s${i}`)
  })
})
