import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { credentialKey } from '../../src/cache/entities.ts'
import { Partition } from '../../src/cache/partition.ts'
import { CLIENT, ENV, home, TENANT, userResponse } from './fixtures.ts'
import { offlineMsalApp } from './msal-offline.ts'

/** An unsigned JWT-shaped ID token (MSAL decodes, never verifies, cached ID tokens). */
function idToken(user: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const claims = {
    iss: `https://${ENV}/${TENANT}/v2.0`,
    aud: CLIENT,
    oid: user,
    tid: TENANT,
    sub: `sub-${user}`,
    preferred_username: `${user}@contoso.com`,
    name: `User ${user}`,
    iat: 1,
    exp: 4_102_444_800,
  }
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.c2ln`
}

function alice(): Partition {
  const p = new Partition(home('alice'))
  p.saveTokenResponse(
    userResponse('alice', {
      idToken: idToken('alice'),
      familyId: '1',
      refreshIn: 1800,
      account: {
        homeAccountId: home('alice'),
        localAccountId: 'alice',
        username: 'alice@contoso.com',
        name: 'Alice',
        clientInfo: Buffer.from(JSON.stringify({ uid: 'alice', utid: TENANT })).toString(
          'base64url',
        ),
      },
    }),
  )
  return p
}

describe('MSAL unified schema', () => {
  it('writes the five top-level sections with msal-node 7’s keys and snake_case fields', () => {
    const json = JSON.parse(alice().serialize())
    assert.deepEqual(Object.keys(json), [
      'Account',
      'IdToken',
      'AccessToken',
      'RefreshToken',
      'AppMetadata',
    ])
    const h = home('alice')
    assert.deepEqual(Object.keys(json.Account), [`${h}-${ENV}-${TENANT}`])
    assert.deepEqual(Object.keys(json.IdToken), [`${h}-${ENV}-idtoken-${CLIENT}-${TENANT}--`])
    assert.deepEqual(Object.keys(json.AccessToken), [
      `${h}-${ENV}-accesstoken-${CLIENT}-${TENANT}-user.read mail.read-`,
    ])
    assert.deepEqual(Object.keys(json.RefreshToken), [`${h}-${ENV}-refreshtoken-1---`])
    assert.deepEqual(Object.keys(json.AppMetadata), [`appmetadata-${ENV}-${CLIENT}`])
    const at = Object.values(json.AccessToken)[0] as Record<string, string>
    assert.equal(at.credential_type, 'AccessToken')
    assert.equal(at.target, 'User.Read Mail.Read')
    assert.equal(at.token_type, 'Bearer')
    for (const f of ['cached_at', 'expires_on', 'extended_expires_on', 'refresh_on']) {
      assert.match(at[f]!, /^\d{10}$/, f)
    }
    assert.equal(Number(at.expires_on) - Number(at.cached_at), 3600)
    assert.equal(Number(at.extended_expires_on) - Number(at.cached_at), 7200)
    assert.equal(Number(at.refresh_on) - Number(at.cached_at), 1800)
    const account = Object.values(json.Account)[0] as Record<string, string>
    assert.equal(account.authority_type, 'MSSTS')
    assert.equal(account.local_account_id, 'alice')
    assert.equal(json.AppMetadata[`appmetadata-${ENV}-${CLIENT}`].family_id, '1')
  })

  it('round-trips: deserialize(serialize(p)) holds the same entities and answers the same', () => {
    const p = alice()
    const json = p.serialize()
    const back = Partition.deserialize(p.key, json)
    assert.deepEqual(JSON.parse(back.serialize()), JSON.parse(json))
    const query = { clientId: CLIENT, environment: ENV, realm: TENANT, scopes: ['Mail.Read'] }
    assert.deepEqual(back.findAccessToken(query), p.findAccessToken(query))
    assert.deepEqual(back.account(), p.account())
  })

  it('recomputes keys and keeps unknown fields of entities written by other MSALs', () => {
    const json = JSON.parse(alice().serialize())
    const [key, at] = Object.entries(json.AccessToken)[0] as [string, Record<string, unknown>]
    delete json.AccessToken[key]
    json.AccessToken['some-other-key-format'] = { ...at, future_field: 'kept' }
    json.AccessToken.pop = { ...at, token_type: 'pop', target: 'x' }
    json.UnknownSection = { a: 1 }
    const back = Partition.deserialize('k', JSON.stringify(json))
    const out = JSON.parse(back.serialize())
    assert.deepEqual(Object.keys(out.AccessToken), [key])
    assert.equal(out.AccessToken[key].future_field, 'kept')
    assert.equal(`${credentialKey(out.AccessToken[key])}-`, key)
  })

  it('is read by msal-node: acquireTokenSilent serves the idweb token offline', async () => {
    const { app, networkCalls } = offlineMsalApp({
      clientId: CLIENT,
      tenant: TENANT,
      environment: ENV,
    })
    await app.getTokenCache().deserialize(alice().serialize())
    const [account, ...others] = await app.getTokenCache().getAllAccounts()
    assert.equal(others.length, 0)
    assert.equal(account?.homeAccountId, home('alice'))
    const result = await app.acquireTokenSilent({ account: account!, scopes: ['user.read'] })
    assert.equal(result?.accessToken, 'at-alice')
    assert.equal(result?.fromCache, true)
    assert.deepEqual(networkCalls, [])
  })

  it('reads msal-node: a cache msal-node serialized answers idweb lookups', async () => {
    const { app } = offlineMsalApp({ clientId: CLIENT, tenant: TENANT, environment: ENV })
    await app.getTokenCache().deserialize(alice().serialize())
    // Make msal-node write its own serialization (it re-keys entries its way).
    const msalJson = app.getTokenCache().serialize()
    const p = Partition.deserialize(home('alice'), msalJson)
    const at = p.findAccessToken({
      clientId: CLIENT,
      environment: ENV,
      realm: TENANT,
      scopes: ['Mail.Read'],
    })
    assert.equal(at?.secret, 'at-alice')
    assert.equal(p.findRefreshToken({ clientId: CLIENT, environment: ENV })?.secret, 'rt-alice')
    assert.equal(
      p.findIdToken({ clientId: CLIENT, environment: ENV, realm: TENANT })?.secret,
      idToken('alice'),
    )
    assert.equal(p.account()?.name, 'Alice')
  })

  it('rejects what is not an MSAL cache with IDW_CACHE_CORRUPT', () => {
    for (const bad of ['', 'null', '[]', '"x"', '{"Account": []}', '{"AccessToken": 1}', '{']) {
      assert.throws(() => Partition.deserialize('k', bad), { code: 'IDW_CACHE_CORRUPT' }, bad)
    }
    assert.ok(Partition.deserialize('k', '{}').isEmpty)
  })
})
