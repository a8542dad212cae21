// The example end to end against the real development provider: anonymous pages, sign-in with
// returnTo, the Microsoft Graph profile, and sign-out that ends the session (even a copied cookie).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type DevIdp, demo, startDevIdp } from '@idweb/dev-idp'
import { CookieJar, jarFetch, signInInteractively } from '@idweb/dev-idp/testing'
import { silentLogger } from 'idweb'
import { type Started, start } from '../src/app.ts'
import { homePage, profilePage } from '../src/page.ts'

const alice = demo.users.alice
const html = { accept: 'text/html' }
let idp: DevIdp
let app: Started

before(async () => {
  idp = await startDevIdp({ port: 0 })
  app = await start({
    port: 0,
    env: {
      AzureAd__Instance: `${idp.url}/`,
      DownstreamApis__Graph__BaseUrl: `${idp.url}/graph/v1.0`,
    },
    logger: silentLogger,
  })
})
after(async () => {
  await app.close()
  await idp.close()
})

test('anonymous: the home page offers sign-in; /profile redirects to /signin with returnTo', async () => {
  const home = await fetch(`${app.url}/`, { headers: html })
  assert.equal(home.status, 200)
  assert.match(await home.text(), /<a class="button" href="\/signin">Sign in<\/a>/)
  const profile = await fetch(`${app.url}/profile`, { headers: html, redirect: 'manual' })
  assert.equal(profile.status, 302)
  assert.equal(profile.headers.get('location'), '/signin?returnTo=%2Fprofile')
})

test('alice signs in, sees her Graph profile, and signs out', async () => {
  const jar = new CookieJar()
  const browser = jarFetch(jar)
  const signIn = await browser(`${app.url}/signin?returnTo=%2Fprofile`, { headers: html })
  assert.equal(signIn.status, 302)
  const result = await signInInteractively(signIn.headers.get('location') ?? '', {
    ...alice,
    jar: new CookieJar(),
  })
  assert.equal(result.kind, 'form_post', result.page)
  const form = result.formPost!
  assert.equal(form.action, `${app.url}/signin-oidc`)
  const callback = await browser(form.action, { method: 'POST', headers: html, body: form.params })
  assert.ok([302, 303].includes(callback.status), `callback answered ${callback.status}`)
  assert.equal(callback.headers.get('location'), '/profile')

  const profile = await browser(`${app.url}/profile`, { headers: html })
  assert.equal(profile.status, 200)
  const page = await profile.text()
  assert.match(page, /<dd>Alice Smith<\/dd>/)
  assert.match(page, new RegExp(`<dd>${alice.username}</dd>`))
  assert.match(page, new RegExp(`<dd>${alice.oid}</dd>`))
  const home = await browser(`${app.url}/`, { headers: html })
  assert.match(await home.text(), /<h1>Hello Alice Smith<\/h1>/)

  const copied = jar.header(`${app.url}/`) ?? ''
  const signOut = await browser(`${app.url}/signout`, { method: 'POST', headers: html })
  assert.equal(signOut.status, 302)
  assert.ok(signOut.headers.get('location')?.startsWith(`${idp.url}/`), 'ends the provider session')
  assert.equal(jar.header(`${app.url}/`), undefined, 'the session cookie is cleared')
  const after = await fetch(`${app.url}/profile`, {
    headers: { ...html, cookie: copied },
    redirect: 'manual',
  })
  assert.equal(after.status, 302, 'a copy of the old cookie no longer signs anyone in')
})

test('names and Graph values are shown as text, never as markup', () => {
  const evil = '<img src=x onerror="alert(1)">'
  for (const page of [homePage(evil), profilePage({ displayName: evil, mail: `a'b@x` })]) {
    assert.ok(!page.includes('<img'), page)
    assert.match(page, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/)
  }
  assert.match(profilePage({ mail: "a'b@x" }), /a&#39;b@x/)
})
