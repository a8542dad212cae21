import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Partition } from '../../src/cache/partition.ts'
import { needsRefresh } from '../../src/cache/refresh.ts'
import { CLIENT, ENV, home, manualClock, T0, TENANT, userResponse } from './fixtures.ts'

const q = { clientId: CLIENT, environment: ENV, realm: TENANT }

function signedIn(user = 'alice', clock = manualClock()) {
  const p = new Partition(home(user), { clock: clock.now })
  p.saveTokenResponse(userResponse(user))
  return { p, clock }
}

describe('Partition: access token lookup', () => {
  it('finds the token for the same scope set, any case, any order, OIDC scopes ignored', () => {
    const { p } = signedIn()
    for (const scopes of [
      ['User.Read', 'Mail.Read'],
      ['mail.read', 'USER.READ'],
      ['Mail.Read User.Read'],
      ['User.Read', 'Mail.Read', 'openid', 'profile', 'offline_access'],
    ]) {
      assert.equal(p.findAccessToken({ ...q, scopes })?.secret, 'at-alice', scopes.join(','))
    }
  })

  it('serves a subset of the granted scopes but not a superset', () => {
    const { p } = signedIn()
    assert.equal(p.findAccessToken({ ...q, scopes: ['user.read'] })?.secret, 'at-alice')
    assert.equal(p.findAccessToken({ ...q, scopes: ['User.Read', 'Files.Read'] }), undefined)
    assert.equal(p.findAccessToken({ ...q, scopes: ['Files.Read'] }), undefined)
  })

  it('asks for a resource scope: OIDC scopes alone find no access token', () => {
    const { p } = signedIn()
    assert.equal(p.findAccessToken({ ...q, scopes: ['openid', 'profile'] }), undefined)
  })

  it('isolates clients, tenants (realms) and environments', () => {
    const { p } = signedIn()
    const scopes = ['User.Read']
    assert.equal(p.findAccessToken({ ...q, scopes, clientId: 'other-client' }), undefined)
    assert.equal(p.findAccessToken({ ...q, scopes, realm: 'other-tenant' }), undefined)
    assert.equal(p.findAccessToken({ ...q, scopes, environment: 'login.microsoft.us' }), undefined)
    assert.equal(
      p.findAccessToken({ ...q, scopes, realm: TENANT.toUpperCase() })?.secret,
      'at-alice',
    )
  })

  it('does not serve a token within the minimum lifetime (default five minutes)', () => {
    const { p, clock } = signedIn()
    const scopes = ['User.Read']
    clock.advance((3600 - 301) * 1000)
    assert.ok(p.findAccessToken({ ...q, scopes }))
    clock.advance(2000)
    assert.equal(p.findAccessToken({ ...q, scopes }), undefined)
    assert.ok(p.findAccessToken({ ...q, scopes, minLifetimeSeconds: 0 }))
    clock.advance(300_000)
    assert.equal(p.findAccessToken({ ...q, scopes, minLifetimeSeconds: 0 }), undefined)
  })

  it('says when a valid token is due for proactive refresh (refresh_in, or half-life)', () => {
    const clock = manualClock()
    const p = new Partition('k', { clock: clock.now })
    const at = p.saveTokenResponse(userResponse('bob', { expiresIn: 3600, refreshIn: 600 }))!
    assert.equal(at.refreshOn, T0 / 1000 + 600)
    assert.equal(needsRefresh(at, T0 + 599_000), false)
    assert.equal(needsRefresh(at, T0 + 600_000), true)
    const long = p.saveTokenResponse(userResponse('bob', { expiresIn: 86_400, scopes: ['x'] }))!
    assert.equal(long.refreshOn, T0 / 1000 + 43_200)
    const short = p.saveTokenResponse(userResponse('bob', { expiresIn: 3600, scopes: ['y'] }))!
    assert.equal(short.refreshOn, undefined)
    assert.equal(needsRefresh(short, T0 + 3_000_000), false)
  })

  it('replaces tokens whose scopes intersect, keeps disjoint ones, as MSAL does', () => {
    const { p } = signedIn()
    p.saveTokenResponse(userResponse('alice', { scopes: ['Files.Read'], accessToken: 'files' }))
    p.saveTokenResponse(userResponse('alice', { scopes: ['user.read'], accessToken: 'user2' }))
    assert.deepEqual(
      p
        .accessTokens()
        .map((t) => t.secret)
        .sort(),
      ['files', 'user2'],
    )
    assert.equal(p.findAccessToken({ ...q, scopes: ['Mail.Read'] }), undefined)
    assert.equal(p.findAccessToken({ ...q, scopes: ['Files.Read'] })?.secret, 'files')
  })

  it('prefers the exact scope set, and falls back to a superset when the exact one expired', () => {
    const clock = manualClock()
    const p = new Partition('k', { clock: clock.now })
    p.saveTokenResponse(userResponse('a', { scopes: ['A'], accessToken: 'exact', expiresIn: 600 }))
    p.saveTokenResponse(userResponse('a', { scopes: ['B', 'C'], accessToken: 'wide' }))
    assert.equal(p.findAccessToken({ ...q, scopes: ['A'] })?.secret, 'exact')
    assert.equal(p.findAccessToken({ ...q, scopes: ['C'] })?.secret, 'wide')
    clock.advance(400_000)
    assert.equal(p.findAccessToken({ ...q, scopes: ['A'] }), undefined)
  })

  it('removes a rejected access token', () => {
    const { p } = signedIn()
    const at = p.findAccessToken({ ...q, scopes: ['User.Read'] })!
    p.removeAccessToken(at)
    assert.equal(p.findAccessToken({ ...q, scopes: ['User.Read'] }), undefined)
  })
})

describe('Partition: refresh token, ID token, account', () => {
  it('finds them by client and environment', () => {
    const { p } = signedIn()
    assert.equal(p.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, 'rt-alice')
    assert.equal(p.findRefreshToken({ clientId: 'x', environment: ENV }), undefined)
    assert.equal(p.findIdToken(q)?.secret, 'idt-alice')
    assert.equal(p.findIdToken({ ...q, realm: 'other' }), undefined)
    assert.equal(p.account()?.home_account_id, home('alice'))
    assert.equal(p.account()?.username, 'alice@contoso.com')
  })

  it('serves a family refresh token to another client of the family', () => {
    const p = new Partition('k')
    p.saveTokenResponse(userResponse('a', { familyId: '1', refreshToken: 'family-rt' }))
    assert.equal(p.appMetadata(CLIENT, ENV)?.family_id, '1')
    assert.equal(p.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, 'family-rt')
    assert.equal(
      p.findRefreshToken({ clientId: 'sibling', environment: ENV, familyId: '1' })?.secret,
      'family-rt',
    )
  })

  it('removes a refresh token after invalid_grant', () => {
    const { p } = signedIn()
    p.removeRefreshToken(p.findRefreshToken({ clientId: CLIENT, environment: ENV })!)
    assert.equal(p.findRefreshToken({ clientId: CLIENT, environment: ENV }), undefined)
  })
})

describe('Partition: hasStateChanged', () => {
  it('is false when new, true after a change, false after serialize or deserialize', () => {
    const p = new Partition('k')
    assert.equal(p.hasStateChanged, false)
    p.findAccessToken({ ...q, scopes: ['User.Read'] })
    assert.equal(p.hasStateChanged, false, 'a lookup is not a change')
    p.saveTokenResponse(userResponse('a'))
    assert.equal(p.hasStateChanged, true)
    const json = p.serialize()
    assert.equal(p.hasStateChanged, false)
    p.removeAccessToken(p.accessTokens()[0]!)
    assert.equal(p.hasStateChanged, true)
    p.deserialize(json)
    assert.equal(p.hasStateChanged, false)
    assert.equal(p.accessTokens().length, 1)
    p.removeAccessToken('no-such-key')
    assert.equal(p.hasStateChanged, false, 'removing nothing is not a change')
    p.clear()
    assert.equal(p.hasStateChanged, true)
    assert.equal(p.isEmpty, true)
  })
})

describe('Partition: merge', () => {
  it('keeps the newer refresh token by cached_at, from either side', () => {
    const clock = manualClock()
    const mine = new Partition('k', { clock: clock.now })
    const theirs = new Partition('k', { clock: clock.now })
    mine.saveTokenResponse(userResponse('a', { refreshToken: 'old' }))
    clock.advance(60_000)
    theirs.saveTokenResponse(userResponse('a', { refreshToken: 'new', scopes: ['Files.Read'] }))
    mine.merge(theirs)
    assert.equal(mine.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, 'new')
    assert.ok(mine.findAccessToken({ ...q, scopes: ['Files.Read'] }), 'their token added')
    assert.ok(mine.findAccessToken({ ...q, scopes: ['Mail.Read'] }), 'my token kept')
    const older = new Partition('k', { clock: () => T0 - 60_000 })
    older.saveTokenResponse(userResponse('a', { refreshToken: 'oldest' }))
    mine.merge(older)
    assert.equal(mine.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, 'new')
  })

  it('does not bring back what was removed here', () => {
    const clock = manualClock()
    const theirs = new Partition('k', { clock: clock.now })
    theirs.saveTokenResponse(userResponse('a'))
    const mine = Partition.deserialize('k', JSON.stringify(theirs), { clock: clock.now })
    clock.advance(1000)
    mine.removeRefreshToken(mine.findRefreshToken({ clientId: CLIENT, environment: ENV })!)
    mine.merge(theirs)
    assert.equal(mine.findRefreshToken({ clientId: CLIENT, environment: ENV }), undefined)
  })
})
