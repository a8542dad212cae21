import { auth } from '../lib/auth'

// A Server Component: who is signed in comes from the session cookie, read on the server.
export default async function Home() {
  const me = await auth.getIdentity()
  if (!me.user) {
    return (
      <>
        <h1>idweb with Next.js</h1>
        <p>You are not signed in.</p>
        <nav>
          <a href="/signin?returnTo=/profile">Sign in</a>
        </nav>
      </>
    )
  }
  return (
    <>
      <h1>Hello {String(me.claims.name ?? '')}</h1>
      <nav>
        <a href="/profile">Your Microsoft Graph profile</a>
        <form method="post" action="/signout">
          <button type="submit">Sign out</button>
        </form>
      </nav>
    </>
  )
}
