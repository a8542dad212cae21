import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { DevIdpLogEntry } from '../src/index.ts'
import { CookieJar, signInInteractively } from '../src/testing/index.ts'
import { authorizeUrl, codeFlow, demo, discover, insecure, startIdp } from './helpers.ts'

describe('logging', () => {
  it('never writes a password, secret, code or token, even at debug level and on errors', async () => {
    const entries: DevIdpLogEntry[] = []
    const idp = await startIdp({ logger: (entry) => entries.push(entry) })
    const leaks: string[] = []
    try {
      const as = await discover(idp)
      const { tokens, params } = await codeFlow(as, {
        scope: `openid offline_access ${demo.apps.todoApi.scope}`,
      })
      leaks.push(String(params.get('code')), tokens.access_token, String(tokens.refresh_token))
      leaks.push(String(tokens.id_token))
      const webApp = { client_id: demo.apps.webApp.clientId }
      const secretPost = oauth.ClientSecretPost(demo.apps.webApp.clientSecret)
      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        webApp,
        await oauth.refreshTokenGrantRequest(
          as,
          webApp,
          secretPost,
          String(tokens.refresh_token),
          insecure,
        ),
      )
      leaks.push(refreshed.access_token)
      const wrongPassword = 'wrong-password-that-must-not-be-logged'
      await signInInteractively((await authorizeUrl(as)).url, {
        username: demo.users.bob.username,
        password: wrongPassword,
        jar: new CookieJar(),
      })
      const wrongSecret = 'wrong-secret-that-must-not-be-logged'
      await oauth.clientCredentialsGrantRequest(
        as,
        { client_id: demo.apps.daemon.clientId },
        oauth.ClientSecretPost(wrongSecret),
        { scope: demo.apps.todoApi.defaultScope },
        insecure,
      )
      const daemon = await oauth.clientCredentialsGrantRequest(
        as,
        { client_id: demo.apps.daemon.clientId },
        oauth.ClientSecretBasic(demo.apps.daemon.clientSecret),
        { scope: demo.apps.todoApi.defaultScope },
        insecure,
      )
      leaks.push((await daemon.json()).access_token)
      await fetch(`${idp.url}/graph/v1.0/me`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
      leaks.push(
        wrongPassword,
        wrongSecret,
        demo.users.alice.password.length >= 8 ? demo.users.alice.password : '',
        demo.apps.webApp.clientSecret,
        demo.apps.daemon.clientSecret,
      )
    } finally {
      await idp.close()
    }
    assert.ok(
      entries.some((e) => e.level === 'debug'),
      'the logger received debug entries',
    )
    assert.ok(
      entries.some((e) => e.message === 'user signed in'),
      'the logger saw the sign-in',
    )
    const text = JSON.stringify(entries)
    for (const secret of leaks.filter((s) => s.length >= 8)) {
      assert.equal(text.includes(secret), false, `log contains ${secret.slice(0, 12)}…`)
    }
    // The demo passwords are short words; they never appear as a field value.
    for (const entry of entries) {
      for (const value of Object.values(entry.fields ?? {})) {
        assert.notEqual(value, demo.users.alice.password)
        assert.notEqual(value, demo.users.bob.password)
      }
    }
  })
})
