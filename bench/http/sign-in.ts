// Signs a user in to one benchmark app the way a browser does: the app's sign-in route, the dev
// IdP's real sign-in and consent forms, the app's callback. Returns the app's cookies.
import { CookieJar, jarFetch, signInInteractively } from '@idweb/dev-idp/testing'
import { httpsFetch } from '../../packages/idweb/test/support/https-fetch.ts'

export interface BenchUser {
  username: string
  password: string
}

/** The `Cookie` header a browser sends to `origin` after signing in at `signInPath`. */
export async function signInTo(
  origin: string,
  signInPath: string,
  user: BenchUser,
  idpCa: string,
): Promise<string> {
  const jar = new CookieJar()
  const browse = jarFetch(jar)
  const start = await browse(new URL(signInPath, origin))
  const authorize = start.headers.get('location')
  if (start.status !== 302 && start.status !== 303) {
    throw new Error(`sign-in at ${signInPath} answered ${start.status}, not a redirect`)
  }
  const answer = await signInInteractively(new URL(authorize ?? '', origin).href, {
    ...user,
    fetch: httpsFetch(idpCa),
  })
  let callback: Response
  if (answer.kind === 'form_post' && answer.formPost) {
    callback = await browse(answer.formPost.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: answer.formPost.params.toString(),
    })
  } else if (answer.kind === 'redirect' && answer.redirectUrl) {
    callback = await browse(answer.redirectUrl)
  } else {
    throw new Error(`the dev IdP did not answer the app (${answer.kind}, ${answer.status})`)
  }
  await callback.arrayBuffer()
  if (callback.status >= 400) throw new Error(`the app's callback answered ${callback.status}`)
  const cookie = jar.header(new URL('/hello', origin))
  if (!cookie) throw new Error('the app set no cookie at sign-in')
  return cookie
}
