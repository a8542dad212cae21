import { redirect } from 'next/navigation'
import { auth } from '../../lib/auth'
import { checkToken } from './actions'

interface GraphUser {
  displayName?: string
  mail?: string
  userPrincipalName?: string
  id?: string
}

/**
 * A Server Component that calls Microsoft Graph as the user. The token comes from idweb's
 * server-side cache, refreshed there when due: nothing needs writing to the cookie, which a
 * Server Component could not do. When the user must consent again, they go to the sign-in route,
 * which asks the provider for exactly what is missing and brings them back here.
 */
export default async function Profile({
  searchParams,
}: {
  searchParams: Promise<{ token?: string }>
}) {
  const me = await auth.getIdentity()
  if (!me.user) redirect('/signin?returnTo=/profile')
  let profile: GraphUser
  try {
    profile = await me.callApi<GraphUser>('Graph', { relativePath: 'me' })
  } catch (err) {
    const signIn = auth.signInUrl(err, '/profile')
    if (signIn) redirect(signIn)
    throw err
  }
  const { token } = await searchParams
  return (
    <>
      <h1>{profile.displayName}</h1>
      <dl>
        <dt>Mail</dt>
        <dd>{profile.mail ?? profile.userPrincipalName}</dd>
        <dt>Object id</dt>
        <dd>{profile.id}</dd>
      </dl>
      <form action={checkToken}>
        <button type="submit">Get a token in a Server Action</button>
      </form>
      {token ? <p id="token">A Server Action got a User.Read token ({token} characters).</p> : null}
      <nav>
        <a href="/">Home</a>
        <a href="/mail">Mail.Read (asks for consent)</a>
        <form method="post" action="/signout">
          <button type="submit">Sign out</button>
        </form>
      </nav>
    </>
  )
}
