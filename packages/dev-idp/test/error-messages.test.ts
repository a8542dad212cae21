import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import * as oauth from 'oauth4webapi'
import type { DevIdp } from '../src/index.ts'
import { defaultDirectoryPath, readDirectoryFile } from '../src/index.ts'
import { authorizeUrl, demo, discover, insecure, startIdp } from './helpers.ts'

const unknownClient = 'b0000000-0000-4000-c000-00000000dead'
/** Quotes and angle brackets survive the URL parser, so the page must escape them. */
const sentRedirectUri = 'https://evil.example/callback?next=<b>"x"</b>'

async function redirectMismatchPage(as: oauth.AuthorizationServer): Promise<string> {
  const { url } = await authorizeUrl(as, { redirectUri: sentRedirectUri })
  const res = await fetch(url, { redirect: 'manual' })
  assert.equal(res.status, 400)
  assert.equal(res.headers.get('location'), null)
  return res.text()
}

describe('error messages say what was sent and what to do', () => {
  let idp: DevIdp
  let as: oauth.AuthorizationServer
  before(async () => {
    idp = await startIdp()
    as = await discover(idp)
  })
  after(() => idp.close())

  it('AADSTS700016 at authorize names the client id and the directory', async () => {
    const { url } = await authorizeUrl(as, { clientId: unknownClient })
    const res = await fetch(url, { redirect: 'manual' })
    assert.equal(res.status, 400)
    const page = await res.text()
    assert.match(
      page,
      new RegExp(
        `AADSTS700016</strong>: Application with identifier &#39;${unknownClient}&#39; was not found in the directory &#39;Contoso&#39;`,
      ),
    )
  })

  it('AADSTS700016 at the token endpoint names the client id and the directory', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: unknownClient },
      oauth.ClientSecretPost('x'),
      { scope: demo.apps.todoApi.defaultScope },
      insecure,
    )
    const body = await response.json()
    assert.deepEqual(body.error_codes, [700016])
    assert.match(
      body.error_description,
      new RegExp(
        `^AADSTS700016: Application with identifier '${unknownClient}' was not found in the directory 'Contoso'`,
      ),
    )
  })

  it('AADSTS50011 names the sent redirect URI, escaped, and how to register it', async () => {
    const page = await redirectMismatchPage(as)
    const escaped = 'https://evil.example/callback?next=&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
    assert.ok(
      page.includes(
        `The redirect URI &#39;${escaped}&#39; specified in the request does not match the redirect URIs configured for the application &#39;${demo.apps.webApp.clientId}&#39;`,
      ),
      page,
    )
    assert.doesNotMatch(page, /<b>|"x"/)
    assert.match(page, /redirectUris/)
    assert.match(page, /Contoso Web App/)
    assert.match(page, /--directory/)
    assert.match(page, /directory\.json/)
  })

  it('AADSTS50011 with a directory file names that file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-idp-dir-'))
    const file = join(dir, 'my-directory.json')
    await writeFile(file, JSON.stringify(await readDirectoryFile(defaultDirectoryPath)))
    const own = await startIdp({ directory: file })
    try {
      const page = await redirectMismatchPage(await discover(own))
      assert.ok(page.includes(file), page)
      assert.match(page, /redirectUris/)
    } finally {
      await own.close()
      await rm(dir, { recursive: true })
    }
  })
})
