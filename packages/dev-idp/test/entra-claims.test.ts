import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import {
  type AppRegistration,
  type DevIdp,
  type Directory,
  defaultDirectoryPath,
  readDirectoryFile,
} from '../src/index.ts'
import { CookieJar } from '../src/testing/index.ts'
import { type Expected, type Kind, table } from './entra-claims-table.ts'
import { claimsOf, codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

/** One token the tests issued, what it should say, and whether its registration configures claims. */
interface Issued {
  label: string
  kind: Kind
  jwt: string
  expected: Expected
  /** The registration that decides its optional claims configures them (Graph never does). */
  configured: boolean
}

const todoApiScope = demo.apps.todoApi.scope
const alice = {
  givenName: 'Alice',
  surname: 'Smith',
  groups: ['10000000-0000-4000-d000-000000000001'],
}

/** The demo directory, with optional claims on the web app (ID tokens) and the todo API. */
async function configuredDirectory(): Promise<Directory> {
  const directory = await readDirectoryFile(defaultDirectoryPath)
  const configure = (app: AppRegistration): AppRegistration => {
    if (app.appId === demo.apps.webApp.clientId) {
      return {
        ...app,
        optionalClaims: { idToken: [{ name: 'given_name' }, { name: 'family_name' }] },
        groupMembershipClaims: 'SecurityGroup',
      }
    }
    if (app.appId === demo.apps.todoApi.clientId) {
      const names = ['idtyp', 'groups', 'given_name', 'family_name']
      return { ...app, optionalClaims: { accessToken: names.map((name) => ({ name })) } }
    }
    return app
  }
  return { ...directory, apps: directory.apps.map(configure) }
}

/**
 * Issues one token of every kind: code (+PKCE), refresh (for the API, consented by the second
 * sign-in), on-behalf-of, client credentials.
 */
async function issueAll(idp: DevIdp, configured: boolean): Promise<Issued[]> {
  const as = await discover(idp)
  const tid = demo.tenants.contoso.id
  const iss = idp.issuer(tid)
  const oid = demo.users.alice.oid
  const user = configured ? alice : undefined
  const web = { aud: demo.apps.webApp.clientId, iss, oid, tid, azp: demo.apps.webApp.clientId }
  const signIn = await codeFlow(as, { scope: 'openid profile email offline_access User.Read' })
  const api = await codeFlow(as, {
    jar: signIn.jar,
    scope: `openid offline_access ${todoApiScope}`,
  })
  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    signIn.client,
    await oauth.refreshTokenGrantRequest(
      as,
      signIn.client,
      signIn.auth,
      String(signIn.tokens.refresh_token),
      {
        ...insecure,
        additionalParameters: { scope: `openid profile offline_access ${todoApiScope}` },
      },
    ),
  )
  const todoApi = { client_id: demo.apps.todoApi.clientId }
  const obo = await oauth.processGenericTokenEndpointResponse(
    as,
    todoApi,
    await oauth.genericTokenEndpointRequest(
      as,
      todoApi,
      oauth.ClientSecretPost(demo.apps.todoApi.clientSecret),
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      {
        assertion: api.tokens.access_token,
        scope: 'User.Read',
        requested_token_use: 'on_behalf_of',
      },
      insecure,
    ),
  )
  const daemon = { client_id: demo.apps.daemon.clientId }
  const appOnly = await oauth.processClientCredentialsResponse(
    as,
    daemon,
    await oauth.clientCredentialsGrantRequest(
      as,
      daemon,
      oauth.ClientSecretPost(demo.apps.daemon.clientSecret),
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    ),
  )
  const spOid = String(claimsOf(appOnly.access_token).oid)
  const toApi = { ...web, aud: demo.apps.todoApi.clientId, scp: 'access_as_user' }
  return [
    {
      label: 'ID token (code)',
      kind: 'idToken',
      jwt: String(signIn.tokens.id_token),
      expected: { ...web, user },
      configured,
    },
    {
      label: 'ID token (refresh)',
      kind: 'idToken',
      jwt: String(refreshed.id_token),
      expected: { ...web, user },
      configured,
    },
    {
      label: 'access token for Graph (code)',
      kind: 'delegated',
      jwt: signIn.tokens.access_token,
      expected: { ...web, aud: demo.graph.appId, scp: 'User.Read' },
      configured: false,
    },
    {
      label: 'access token for the API (refresh)',
      kind: 'delegated',
      jwt: refreshed.access_token,
      expected: { ...toApi, user },
      configured,
    },
    {
      label: 'access token for the API (code)',
      kind: 'delegated',
      jwt: api.tokens.access_token,
      expected: { ...toApi, user },
      configured,
    },
    {
      label: 'access token for Graph (on-behalf-of)',
      kind: 'delegated',
      jwt: obo.access_token,
      expected: {
        ...web,
        aud: demo.graph.appId,
        azp: demo.apps.todoApi.clientId,
        scp: 'User.Read',
      },
      configured: false,
    },
    {
      label: 'app-only access token (client credentials)',
      kind: 'appOnly',
      jwt: appOnly.access_token,
      expected: {
        iss,
        tid,
        aud: demo.apps.todoApi.clientId,
        azp: demo.apps.daemon.clientId,
        oid: spOid,
        roles: ['Todo.Read.All'],
      },
      configured,
    },
  ]
}

function assertClaims(token: Issued): void {
  const claims = claimsOf(token.jwt)
  for (const row of table) {
    const presence = row.presence[token.kind]
    if (presence === undefined) continue
    const where = `${token.label}: ${row.claim}`
    const shouldBe = presence === 'required' || (presence === 'optional' && token.configured)
    if (!shouldBe) {
      assert.equal(row.claim in claims, false, `${where} must be absent (${presence})`)
      continue
    }
    assert.ok(row.claim in claims, `${where} must be present (${presence})`)
    if (row.check) {
      const value = claims[row.claim]
      assert.ok(row.check(value, token.expected, claims), `${where} = ${JSON.stringify(value)}`)
    }
  }
}

async function assertHeaderAndSignature(idp: DevIdp, token: Issued, jwks: JSONWebKeySet) {
  const header = decodeProtectedHeader(token.jwt)
  const kid = jwks.keys[0]?.kid
  assert.deepEqual(header, { typ: 'JWT', alg: 'RS256', kid }, `${token.label}: header`)
  await jwtVerify(token.jwt, createLocalJWKSet(jwks), {
    issuer: idp.issuer(demo.tenants.contoso.id),
    algorithms: ['RS256'],
  })
}

for (const configured of [false, true]) {
  describe(`Entra v2 claims, ${configured ? 'optional claims configured' : 'default registrations'}`, () => {
    let idp: DevIdp
    let issued: Issued[]
    let jwks: JSONWebKeySet
    before(async () => {
      idp = await startIdp(configured ? { directory: await configuredDirectory() } : {})
      issued = await issueAll(idp, configured)
      jwks = await (
        await fetch(`${idp.authority(demo.tenants.contoso.id)}/discovery/v2.0/keys`)
      ).json()
    })
    after(() => idp.close())

    it('every required claim present with its value, every never claim absent, optional ones as configured', () => {
      assert.equal(issued.length, 7)
      for (const token of issued) assertClaims(token)
    })

    it('headers are { typ: "JWT", alg: "RS256", kid } and signatures verify with the JWKS', async () => {
      for (const token of issued) await assertHeaderAndSignature(idp, token, jwks)
    })

    it('uti is unique per token', () => {
      const utis = issued.map((t) => claimsOf(t.jwt).uti)
      assert.equal(new Set(utis).size, issued.length)
    })
  })
}

describe('Entra v2 claims: sid and optional claims by registration', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    const directory = await configuredDirectory()
    const cli = directory.apps.find((a) => a.appId === demo.apps.cli.clientId)
    if (cli) cli.optionalClaims = { idToken: [{ name: 'groups' }] }
    idp = await startIdp({ directory })
    as = await discover(idp)
  })
  after(() => idp.close())

  const cliFlow = (jar: CookieJar) =>
    codeFlow(as, {
      jar,
      clientId: demo.apps.cli.clientId,
      clientSecret: undefined,
      redirectUri: 'http://localhost:53100',
    })

  it('sid names the sign-in session: the same across apps and refreshes, new for a new session', async () => {
    const jar = new CookieJar()
    const web = await codeFlow(as, { jar })
    const sid = claimsOf(String(web.tokens.id_token)).sid
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      web.client,
      await oauth.refreshTokenGrantRequest(
        as,
        web.client,
        web.auth,
        String(web.tokens.refresh_token),
        insecure,
      ),
    )
    assert.equal(claimsOf(String(refreshed.id_token)).sid, sid)
    const cli = await cliFlow(jar)
    assert.equal(claimsOf(String(cli.tokens.id_token)).sid, sid, 'same session, other app')
    const other = await codeFlow(as, { jar: new CookieJar() })
    assert.notEqual(claimsOf(String(other.tokens.id_token)).sid, sid)
  })

  it('an ID-token optional claim named groups turns groups on for that app only', async () => {
    const cli = claimsOf(String((await cliFlow(new CookieJar())).tokens.id_token))
    assert.deepEqual(cli.groups, alice.groups)
    assert.equal(cli.given_name, undefined, 'the CLI asks for groups only')
    const bob = claimsOf(
      String(
        (
          await codeFlow(as, {
            username: demo.users.bob.username,
            password: demo.users.bob.password,
          })
        ).tokens.id_token,
      ),
    )
    assert.equal(bob.groups, undefined, 'a user without groups gets no groups claim')
    assert.equal(bob.given_name, 'Bob')
  })

  it("access-token claims follow the API's registration, not the client's", async () => {
    const { tokens } = await codeFlow(as, { scope: 'openid profile User.Read' })
    const graph = claimsOf(tokens.access_token)
    assert.equal(
      graph.given_name,
      undefined,
      "the web app's ID-token claims stay out of its access tokens",
    )
    assert.equal(graph.groups, undefined)
    const id = claimsOf(String(tokens.id_token))
    assert.equal(id.idtyp, undefined, "the todo API's access-token claims stay out of ID tokens")
  })

  it('profile scope still gates given_name and family_name in ID tokens', async () => {
    const { tokens } = await codeFlow(as, { scope: 'openid offline_access' })
    const id = claimsOf(String(tokens.id_token))
    assert.equal(id.given_name, undefined)
    assert.equal(id.family_name, undefined)
    assert.deepEqual(id.groups, alice.groups, 'groups come with openid')
  })
})
