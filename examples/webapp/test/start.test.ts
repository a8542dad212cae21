// `npm start` (scripts/start.ts) as a person runs it: a child process with the three ports moved by
// IDP_PORT, API_PORT and WEB_PORT. It must print the URLs and the demo credentials, wire the three
// servers to each other on the ports given (a sign-in, Graph and the todo API all work), and stop
// all three on Ctrl-C (SIGINT), exiting 0.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { demo } from '@idweb/dev-idp'
import { CookieJar, jarFetch, signInInteractively } from '@idweb/dev-idp/testing'

const root = new URL('../../../', import.meta.url).pathname
const { alice, bob } = demo.users

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) })
    return false
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED'
  }
}

describe('npm start', () => {
  let child: ChildProcess
  let out = ''
  let ports: { idp: number; api: number; web: number }
  const urls = () => ({
    idp: `http://localhost:${ports.idp}`,
    api: `http://localhost:${ports.api}`,
    web: `http://localhost:${ports.web}`,
  })

  before(async () => {
    ports = { idp: await freePort(), api: await freePort(), web: await freePort() }
    child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'scripts/start.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          IDP_PORT: String(ports.idp),
          API_PORT: String(ports.api),
          WEB_PORT: String(ports.web),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    const deadline = Date.now() + 30_000
    while (!out.includes('Ctrl-C stops them all')) {
      if (child.exitCode !== null) assert.fail(`npm start exited ${child.exitCode}:\n${out}`)
      if (Date.now() > deadline) assert.fail(`npm start printed no banner in 30 s:\n${out}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })

  test('prints the three URLs on the ports given, and the demo credentials', () => {
    const { idp, api, web } = urls()
    assert.match(out, new RegExp(`dev identity provider +${idp}\\b`))
    assert.match(out, new RegExp(`todo API +${api}\\b`))
    assert.match(out, new RegExp(`web app +${web}\\b.*open this`))
    for (const user of [alice, bob]) {
      assert.ok(out.includes(user.username), user.username)
      assert.ok(out.includes(`password ${user.password}`), user.password)
    }
  })

  test('wires the servers to each other: sign-in, Graph and the todo API work', async () => {
    const { idp, api, web } = urls()
    const jar = new CookieJar()
    const browser = jarFetch(jar)
    const idpJar = new CookieJar()
    const post = (form: { action: string; params: URLSearchParams }) =>
      browser(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.params,
      })
    const page = await browser(`${web}/profile`, { headers: { accept: 'text/html' } })
    assert.equal(page.status, 302)
    const signIn = await browser(new URL(page.headers.get('location') ?? '', web))
    const authorize = new URL(signIn.headers.get('location') ?? '')
    assert.equal(authorize.origin, idp, 'the web app uses the IdP on IDP_PORT')
    assert.equal(authorize.searchParams.get('redirect_uri'), `${web}/signin-oidc`)
    const result = await signInInteractively(authorize, { ...alice, jar: idpJar })
    assert.equal(result.kind, 'form_post', result.page?.slice(0, 300))
    const callback = await post(result.formPost!)
    assert.equal(callback.headers.get('location'), '/profile')
    const profile = await browser(`${web}/profile`)
    assert.equal(profile.status, 200, 'Graph answered from the IdP on IDP_PORT')
    assert.match(await profile.text(), new RegExp(`<h1>${alice.name}</h1>`))

    // The first visit consents to the todo API; then the list comes from the API on API_PORT.
    const todos = await browser(`${web}/todos`, { headers: { accept: 'text/html' } })
    assert.equal(todos.status, 302)
    const consent = await signInInteractively(todos.headers.get('location') ?? '', {
      ...alice,
      jar: idpJar,
    })
    assert.equal(consent.kind, 'form_post', consent.page?.slice(0, 300))
    assert.equal((await post(consent.formPost!)).headers.get('location'), '/todos')
    const list = await browser(`${web}/todos`)
    assert.equal(list.status, 200)
    assert.match(await list.text(), /<h1>Your todos<\/h1>/)

    const api401 = await fetch(`${api}/todos`)
    assert.equal(api401.status, 401)
    assert.match(api401.headers.get('www-authenticate') ?? '', /^Bearer /)
  })

  test('Ctrl-C (SIGINT) stops all three servers and exits 0', async () => {
    const { idp, api, web } = urls()
    const exited = once(child, 'exit')
    child.kill('SIGINT')
    const [code] = (await exited) as [number | null]
    assert.equal(code, 0, out)
    assert.match(out, /SIGINT: stopping/)
    for (const url of [`${web}/`, `${api}/todos`, `${idp}/`]) {
      assert.ok(await refused(url), `${url} still answers`)
    }
  })
})
