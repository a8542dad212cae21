import { redirect } from 'next/navigation'
import { auth } from '../../lib/auth'

/**
 * Incremental consent from a Server Component: Mail.Read was not asked for at sign-in, so the
 * first visit sends the user to the provider for exactly that scope, and back here.
 */
export default async function Mail() {
  let length: number
  try {
    length = (await auth.getToken(['Mail.Read'])).length
  } catch (err) {
    const signIn = auth.signInUrl(err, '/mail')
    if (signIn) redirect(signIn)
    throw err
  }
  return (
    <>
      <h1>Mail.Read</h1>
      <p id="mail">A token for Mail.Read ({length} characters), consented just now.</p>
      <nav>
        <a href="/profile">Profile</a>
      </nav>
    </>
  )
}
